"""Invoice attachments: PUT/POST /Invoices/{id}/Attachments/{FileName} (raw body, ``IncludeOnline``
query), GET /Invoices/{id}/Attachments (list) and GET .../Attachments/{FileName or AttachmentID}
(the raw file). Uploading a file name again replaces that file; at most 10 files per invoice
(Xero's documented limit), 25 MB each. The invoice's HasAttachments becomes true (its
UpdatedDateUTC does not move: unconfirmed for Xero). Scopes: accounting.attachments(.read).
"""

import mimetypes
import uuid

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from . import errors
from .accounting import API_PREFIX, register
from .contacts import truthy

ATTACHMENTS_READ = frozenset(("accounting.attachments", "accounting.attachments.read"))
ATTACHMENTS_WRITE = frozenset(("accounting.attachments",))
MAX_FILES = 10
MAX_BYTES = 25 * 1024 * 1024


def rules() -> list:
    base = f"{API_PREFIX}/Invoices/<invoice_id>/Attachments"
    return [
        Rule(base, endpoint="api:invoice_attachments", methods=["GET"]),
        Rule(f"{base}/<file_name>", endpoint="api:invoice_attachment", methods=["GET"]),
        Rule(f"{base}/<file_name>", endpoint="api:invoice_attachment_put", methods=["PUT"]),
        Rule(f"{base}/<file_name>", endpoint="api:invoice_attachment_post", methods=["POST"]),
    ]


def public(attachment: dict) -> dict:
    return {key: value for key, value in attachment.items() if key != "content"}


def store_attachment(tenant, invoice: dict, file_name: str, content: bytes, include_online: bool, base_url: str):
    """Add or replace a file; returns the stored attachment or raises ValueError (caller holds the lock)."""
    files = tenant.attachments.setdefault(("Invoices", invoice["InvoiceID"]), [])
    existing = next((a for a in files if a["FileName"].casefold() == file_name.casefold()), None)
    if not content:
        raise ValueError("The attachment is empty.")
    if len(content) > MAX_BYTES:
        raise ValueError("The attachment exceeds the maximum size of 25MB.")
    if existing is None and len(files) >= MAX_FILES:
        raise ValueError(f"An invoice can have at most {MAX_FILES} attachments.")
    attachment = {
        "AttachmentID": existing["AttachmentID"] if existing else str(uuid.uuid4()),
        "FileName": file_name,
        "Url": f"{base_url}api.xro/2.0/Invoices/{invoice['InvoiceID']}/Attachments/{file_name}",
        "MimeType": mimetypes.guess_type(file_name)[0] or "application/octet-stream",
        "ContentLength": len(content),
        "IncludeOnline": include_online,
        "content": content,
    }
    if existing is not None:
        files[files.index(existing)] = attachment
    else:
        files.append(attachment)
    if not invoice.get("HasAttachments"):
        tenant.invoices[invoice["InvoiceID"]] = dict(invoice, HasAttachments=True)
    return attachment


def _invoice(call, invoice_id):
    return call.tenant.find_invoice(invoice_id)


def list_attachments(api, call, invoice_id):
    with api.store.lock:
        invoice = _invoice(call, invoice_id)
        if invoice is None:
            return errors.not_found()
        files = [public(a) for a in call.tenant.attachments.get(("Invoices", invoice["InvoiceID"]), [])]
    return api.envelope("Attachments", files)


def get_attachment(api, call, invoice_id, file_name):
    with api.store.lock:
        invoice = _invoice(call, invoice_id)
        files = call.tenant.attachments.get(("Invoices", invoice["InvoiceID"]), []) if invoice else []
        found = next(
            (
                a
                for a in files
                if a["AttachmentID"] == file_name.lower() or a["FileName"].casefold() == file_name.casefold()
            ),
            None,
        )
    if found is None:
        return errors.not_found()
    return Response(found["content"], content_type=found["MimeType"])


def upload_attachment(api, call, invoice_id, file_name):
    include_online = truthy(call.request.args.get("IncludeOnline", "false"))
    with api.store.lock:
        invoice = _invoice(call, invoice_id)
        if invoice is None:
            return errors.not_found()
        try:
            attachment = store_attachment(
                call.tenant,
                invoice,
                file_name,
                call.request.get_data(cache=True),
                include_online,
                call.request.host_url,
            )
        except ValueError as exc:
            return errors.single_validation_error(str(exc))
    return api.envelope("Attachments", [public(attachment)])


register("invoice_attachments", ATTACHMENTS_READ, list_attachments)
register("invoice_attachment", ATTACHMENTS_READ, get_attachment)
register("invoice_attachment_put", ATTACHMENTS_WRITE, upload_attachment)
register("invoice_attachment_post", ATTACHMENTS_WRITE, upload_attachment)
