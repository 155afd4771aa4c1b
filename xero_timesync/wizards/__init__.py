from . import xero_connect_wizard, xero_connect_wizard_account, xero_connect_wizard_tenant
from . import xero_invoice_wizard
