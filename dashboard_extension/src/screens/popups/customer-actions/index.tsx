import { Empty } from "../../../components/states";
import { useT } from "../../../i18n";

export default function CustomerActionsPopup() {
  const t = useT("customer");
  return <Empty title={t("comingSoon")} />;
}
