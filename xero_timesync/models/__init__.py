from . import (
    account_analytic_line,
    project_project,
    project_task,
    res_company,
    res_config_settings,
    res_partner,
    res_users,
    xero_connection,
    xero_contact_importer,
    xero_contact_refusal,
    xero_project_member,
    xero_sync_log,
    xero_timer,
    xero_token,
    xero_webhook_delivery,
)
from . import (
    account_move,
    account_move_line,
    account_tax,
    hr_employee,
    xero_invoice_push,
)
