/** Placeholder: owned by the loyalty screen helper, who replaces this file (and adds siblings). */
import { Empty } from "../../components/states";
import { PageHeader } from "../../components/PageHeader";
import { useT } from "../../i18n";

export default function LoyaltyScreen() {
  const t = useT("loyalty");
  return (
    <>
      <PageHeader title={t("title")} />
      <Empty title={t("comingSoon")} />
    </>
  );
}
