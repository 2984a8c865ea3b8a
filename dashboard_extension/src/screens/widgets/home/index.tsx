import { Empty } from "../../../components/states";
import { useT } from "../../../i18n";

export default function HomeWidget() {
  const t = useT("overview");
  return <Empty title={t("comingSoon")} />;
}
