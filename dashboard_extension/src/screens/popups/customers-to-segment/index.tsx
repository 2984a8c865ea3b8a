import { Empty } from "../../../components/states";
import { useT } from "../../../i18n";

export default function CustomersToSegmentPopup() {
  const t = useT("segments");
  return <Empty title={t("comingSoon")} />;
}
