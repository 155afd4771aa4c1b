import { registry } from "@web/core/registry";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/** The timer's task picker: a row starts the timer; nothing to select, so no checkboxes. */
export class XeroTimerPickerListController extends ListController {
    static defaultProps = { ...ListController.defaultProps, allowSelectors: false };
}

registry.category("views").add("xero_timer_picker_list", {
    ...listView,
    Controller: XeroTimerPickerListController,
});
