import { makeContext } from "@web/core/context";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * Where the browser lands after Xero's consent page (see controllers/main.py): Settings → Xero with
 * the connection wizard on top, so that Close or Save leaves the admin on the settings, which then
 * show the connection (never a wizard floating over an empty page).
 */
export async function xeroConnectReturn(env, action) {
    const actionService = env.services.action;
    const wizardId = parseInt(action.params?.wizard_id) || false;
    // the Settings app (its own URL and menu), opened on the Xero tab
    const settings = await actionService.loadAction("base_setup.action_general_configuration");
    await actionService.doAction(
        { ...settings, context: makeContext([settings.context, { module: "xero_timesync" }]) },
        { clearBreadcrumbs: true }
    );
    const wizard = wizardId
        ? {
              type: "ir.actions.act_window",
              name: _t("Enable integration"),
              res_model: "xero.connect.wizard",
              res_id: wizardId,
              views: [[false, "form"]],
              target: "new",
          }
        : "xero_timesync.xero_connect_wizard_action";
    // Close, Save, or "Done": the settings behind are read again and show the connection.
    await actionService.doAction(wizard, {
        onClose: async (info) => {
            if (!info?.noReload) {
                await actionService.doAction("soft_reload");
            }
        },
    });
}

registry.category("actions").add("xero_connect_return", xeroConnectReturn);
