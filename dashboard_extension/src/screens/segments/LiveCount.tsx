/** The live count (count and share) of the rule being edited. */
import { Box, Spinner, Text } from "@saleor/macaw-ui";

import { useErrorMessage } from "../../api/errors";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import { ruleDetail } from "./errors";
import type { PreviewState } from "./hooks";
import { Card } from "./ui";

export function LiveCountText({ preview, compact }: { preview: PreviewState; compact?: boolean }) {
  const t = useT("segments");
  const f = useFormat();
  const message = useErrorMessage();
  if (preview.failure) {
    return (
      <Text size={2} color="critical1" role="alert">
        {t("count.error")} {message(preview.failure)}
      </Text>
    );
  }
  if (preview.errors.length) {
    return (
      <Text size={2} color="critical1" role="alert">
        {t("count.error")} {preview.errors.map((e) => `${message(e)} ${ruleDetail(e)}`).join(" ")}
      </Text>
    );
  }
  if (!preview.result) return preview.loading ? <Spinner /> : null;
  const { count, total, share } = preview.result;
  return (
    <Box
      display="flex"
      flexDirection={compact ? "row" : "column"}
      gap={compact ? 2 : 1}
      alignItems={compact ? "center" : "flex-start"}
      aria-live="polite"
      aria-busy={preview.loading}
      opacity={preview.loading ? "0.6" : "1"}
    >
      <Text size={compact ? 4 : 10} fontWeight="bold" data-testid="live-count">
        {t("count.customers", { count, n: f.number(count) })}
      </Text>
      <Text size={2} color="default2" data-testid="live-share">
        {t("count.share", { share: f.percent(share), total: f.number(total) })}
      </Text>
    </Box>
  );
}

export function LiveCount({
  preview,
  incomplete,
  empty,
  channel,
}: {
  preview: PreviewState;
  incomplete: boolean;
  empty: boolean;
  channel: string | null;
}) {
  const t = useT("segments");
  return (
    <Card
      title={t("count.title")}
      subtitle={channel ? t("count.scope", { channel }) : t("count.scopeAll")}
      testId="live-count-card"
    >
      {empty ? (
        <Text size={2} color="default2">
          {t("count.empty")}
        </Text>
      ) : incomplete ? (
        <Text size={2} color="default2" data-testid="count-incomplete">
          {t("count.incomplete")}
        </Text>
      ) : (
        <LiveCountText preview={preview} />
      )}
    </Card>
  );
}
