from . import (
    account_move_reversal,
    xero_account_choice,
    xero_account_mapping,
    xero_account_mapping_line,
    xero_connect_wizard,
    xero_connect_wizard_account,
    xero_connect_wizard_match,
    xero_connect_wizard_tenant,
    xero_contact_choose,
    xero_contact_choose_line,
    xero_invoice_wizard,
    xero_invoice_wizard_account,
)
