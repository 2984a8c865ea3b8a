/** Placeholder: owned by the coupons screen helper, who replaces this file (and adds siblings). */
import { Empty } from "../../components/states";
import { PageHeader } from "../../components/PageHeader";
import { useT } from "../../i18n";

export default function CouponsScreen() {
  const t = useT("coupons");
  return (
    <>
      <PageHeader title={t("title")} />
      <Empty title={t("comingSoon")} />
    </>
  );
}
