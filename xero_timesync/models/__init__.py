from . import (
    project_project,
    project_task,
    res_company,
    res_config_settings,
    res_partner,
    xero_connection,
    xero_contact_importer,
    xero_sync_log,
    xero_token,
)
