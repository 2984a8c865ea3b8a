/**
 * Small building blocks of the coupon, loyalty and RFM screens: page header,
 * cards, the loading / empty / error / no-permission states and field errors.
 * Texts come from the `coupons` catalogue (`ui.*`).
 */
import { Box, Text } from "@saleor/macaw-ui";
import { ArrowLeft } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";

import { ApiError } from "../../api/client";
import { PageHeader as SharedPageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useT } from "../../i18n";

/** The shared page header, with a back link and a status chip beside the title. */
export function PageHeader({
  title,
  backTo,
  status,
  actions,
}: {
  title: ReactNode;
  backTo?: string;
  status?: ReactNode;
  actions?: ReactNode;
}) {
  const t = useT("coupons");
  return (
    <SharedPageHeader
      title={
        <Box as="span" display="inline-flex" alignItems="center" gap={3}>
          {backTo && (
            <Link to={backTo} aria-label={t("ui.back")} style={{ color: "inherit", display: "inline-flex" }}>
              <ArrowLeft size={20} />
            </Link>
          )}
          {title}
          {status}
        </Box>
      }
      actions={actions}
    />
  );
}

export function Card({
  title,
  description,
  actions,
  children,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Box
      as="section"
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      borderRadius={4}
      padding={5}
      display="flex"
      flexDirection="column"
      gap={4}
    >
      <Box display="flex" justifyContent="space-between" alignItems="flex-start" gap={3}>
        <Box>
          <Text as="h2" size={6} fontWeight="bold">
            {title}
          </Text>
          {description && (
            <Text as="p" size={3} color="default2" marginTop={1}>
              {description}
            </Text>
          )}
        </Box>
        {actions && (
          <Box flexShrink="0" style={{ whiteSpace: "nowrap" }}>
            {actions}
          </Box>
        )}
      </Box>
      {children}
    </Box>
  );
}

export { Loading };

export function isPermissionError(error: unknown): boolean {
  return error instanceof ApiError && error.code === "PERMISSION_DENIED";
}

export { ErrorState };

/** What a staff member without the permission a screen needs sees instead. */
export function PermissionNotice({ permission }: { permission: "MANAGE_DISCOUNTS" | "MANAGE_USERS" }) {
  const t = useT("coupons");
  return (
    <Box padding={6} display="flex" flexDirection="column" gap={2} role="note">
      <Text as="p" size={5} fontWeight="bold">
        {t("ui.noPermissionTitle")}
      </Text>
      <Text as="p" color="default2">
        {t(`ui.noPermission.${permission}`)}
      </Text>
    </Box>
  );
}

/** Loading, permission and error states of a query, else the content. */
export function QueryStates({
  loading,
  error,
  hasData,
  refetch,
  permission,
  children,
}: {
  loading: boolean;
  error: unknown;
  hasData: boolean;
  refetch?: () => void;
  permission: "MANAGE_DISCOUNTS" | "MANAGE_USERS";
  children: () => ReactNode;
}) {
  if (error && isPermissionError(error)) return <PermissionNotice permission={permission} />;
  if (error && !hasData) return <ErrorState error={error} onRetry={refetch} />;
  if (loading && !hasData) return <Loading />;
  return <>{children()}</>;
}

export function EmptyState({ title, text, action }: { title: string; text?: ReactNode; action?: ReactNode }) {
  return <Empty title={title} text={text} action={action} />;
}

export function ReadOnlyBanner() {
  const t = useT("coupons");
  return (
    <Box
      paddingX={4}
      paddingY={3}
      borderRadius={4}
      backgroundColor="default2"
      role="note"
      data-testid="read-only"
    >
      <Text size={3}>{t("ui.readOnly")}</Text>
    </Box>
  );
}
