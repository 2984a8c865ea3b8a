/** Tabs between the CRM pages. */
import { Box, Text } from "@saleor/macaw-ui";
import { NavLink } from "react-router-dom";

import { useHasPermission } from "../auth/AuthProvider";
import { useT } from "../i18n";

export function Nav() {
  const t = useT("common");
  // the API's permissions: analytics, segments, RFM need MANAGE_USERS; coupon rules and the
  // loyalty program MANAGE_DISCOUNTS — a tab the token cannot use is not offered
  const canUsers = useHasPermission("MANAGE_USERS");
  const canDiscounts = useHasPermission("MANAGE_DISCOUNTS");
  const items = [
    { to: "/overview", label: t("nav.overview"), show: canUsers },
    { to: "/segments", label: t("nav.segments"), show: canUsers },
    { to: "/coupons", label: t("nav.coupons"), show: canDiscounts },
    { to: "/loyalty", label: t("nav.loyalty"), show: canDiscounts },
    { to: "/rfm", label: t("nav.rfm"), show: canUsers },
  ].filter((i) => i.show);
  return (
    <Box as="nav" aria-label={t("nav.label")} display="flex" gap={1} borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1" marginBottom={6} overflowX="auto">
      {items.map((item) => (
        <NavLink key={item.to} to={item.to} style={{ textDecoration: "none" }}>
          {({ isActive }) => (
            <Box
              paddingX={3}
              paddingY={2}
              borderBottomStyle="solid"
              borderBottomWidth={1}
              borderColor={isActive ? "accent1" : "transparent"}
              style={{ borderBottomWidth: 2 }}
              aria-current={isActive ? "page" : undefined}
            >
              <Text fontWeight={isActive ? "bold" : "regular"} color={isActive ? "default1" : "default2"} style={{ whiteSpace: "nowrap" }}>
                {item.label}
              </Text>
            </Box>
          )}
        </NavLink>
      ))}
    </Box>
  );
}
