import { Empty } from "../../components/states";
import { PageHeader } from "../../components/PageHeader";
import { useT } from "../../i18n";

export default function OverviewScreen() {
  const t = useT("overview");
  return (
    <>
      <PageHeader title={t("title")} />
      <Empty title={t("comingSoon")} />
    </>
  );
}
