/**
 * The editor's "Messages" card, shown when the rule sends email or LINE / SMS
 * messages: the templates per language (the API's defaults until the merchant
 * writes their own), the placeholders, the rule's message webhook (URL and a
 * write-only secret) and the `transactional` switch.
 */
import { Box, Button, Checkbox, Chip, Input, Text, Textarea } from "@saleor/macaw-ui";
import { useState } from "react";

import { useT } from "../../i18n";
import {
  type Delivery,
  PLACEHOLDERS,
  type RuleForm,
  TEMPLATE_LANGUAGES,
  TEMPLATE_PARTS,
  type TemplateLanguage,
  type TemplatePart,
} from "./form";
import { Card } from "./ui";

export function MessageFields({
  form,
  isNew,
  readOnly,
  errorOf,
  onTemplate,
  onResetTemplate,
  onChange,
}: {
  form: RuleForm;
  /** the rule is not saved yet: the API has not shown its defaults */
  isNew: boolean;
  readOnly: boolean;
  errorOf: (field: string) => string | undefined;
  onTemplate: (lang: TemplateLanguage, part: TemplatePart, value: string) => void;
  onResetTemplate: (lang: TemplateLanguage) => void;
  onChange: (key: "webhookUrl" | "webhookSecret" | "transactional", value: string | boolean) => void;
}) {
  const t = useT("coupons");
  const [lang, setLang] = useState<TemplateLanguage>("ja");
  const webhook = form.delivery.includes("MESSAGE_WEBHOOK" as Delivery);
  const tpl = form.messageTemplates[lang];
  const langErrors = (l: TemplateLanguage) =>
    TEMPLATE_PARTS.some((p) => errorOf(`messageTemplates.${l}.${p}`)) || Boolean(errorOf(`messageTemplates.${l}`));
  const blank = tpl.isDefault && TEMPLATE_PARTS.every((p) => tpl[p] === "");

  return (
    <Card title={t("messages.title")} description={t("messages.description")}>
      <Box display="flex" flexDirection="column" gap={4} data-testid="messages-card">
        {errorOf("messageTemplates") && <Text color="critical1">{errorOf("messageTemplates")}</Text>}
        <Box display="flex" gap={2} alignItems="center" role="group" aria-label={t("messages.language")}>
          {TEMPLATE_LANGUAGES.map((l) => (
            <Button
              key={l}
              size="small"
              variant={l === lang ? "primary" : "secondary"}
              onClick={() => setLang(l)}
              aria-pressed={l === lang}
              data-testid={`template-lang-${l}`}
            >
              {t(`messages.languages.${l}`)}
              {langErrors(l) ? " ⚠" : ""}
            </Button>
          ))}
          <Box flexGrow="1" />
          <Chip size="large" backgroundColor={tpl.isDefault ? "default1" : "accent1"} data-testid="template-state">
            <Text size={2}>{tpl.isDefault ? t("messages.isDefault") : t("messages.isOwn")}</Text>
          </Chip>
          {!tpl.isDefault && !readOnly && (
            <Button size="small" variant="secondary" onClick={() => onResetTemplate(lang)} data-testid="template-reset">
              {t("messages.reset")}
            </Button>
          )}
        </Box>
        {errorOf(`messageTemplates.${lang}`) && <Text color="critical1">{errorOf(`messageTemplates.${lang}`)}</Text>}
        <Text size={2} color="default2">
          {blank ? (isNew ? t("messages.defaultNew") : t("messages.defaultEmpty")) : tpl.isDefault ? t("messages.defaultShown") : t("messages.ownHelp")}
        </Text>
        {TEMPLATE_PARTS.map((part) => {
          const field = `messageTemplates.${lang}.${part}`;
          const common = {
            label: t(`messages.parts.${part}`),
            value: tpl[part],
            disabled: readOnly,
            error: Boolean(errorOf(field)),
            helperText: errorOf(field) ?? t(`messages.partHelp.${part}`),
            "data-testid": `template-${lang}-${part}`,
          };
          return part === "subject" ? (
            <Input key={`${lang}-${part}`} {...common} onChange={(e) => onTemplate(lang, part, e.target.value)} />
          ) : (
            <Textarea
              key={`${lang}-${part}`}
              {...common}
              rows={part === "short" ? 2 : 6}
              onChange={(e) => onTemplate(lang, part, e.target.value)}
            />
          );
        })}
        <Box display="flex" flexDirection="column" gap={1} data-testid="placeholders">
          <Text size={2} color="default2">
            {t("messages.placeholders")}
          </Text>
          <Box display="flex" flexWrap="wrap" gap={2}>
            {PLACEHOLDERS.map((p) => (
              <Box key={p} as="span" display="inline-flex" flexDirection="column">
                <Text size={2} fontWeight="bold" as="span">
                  <code>{`{${p}}`}</code>
                </Text>
                <Text size={1} color="default2" as="span">
                  {t(`messages.placeholder.${p}`)}
                </Text>
              </Box>
            ))}
          </Box>
        </Box>

        {webhook && (
          <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={4} data-testid="webhook-fields">
            <Input
              label={t("fields.webhookUrl")}
              value={form.webhookUrl}
              onChange={(e) => onChange("webhookUrl", e.target.value)}
              disabled={readOnly}
              error={Boolean(errorOf("webhookUrl"))}
              helperText={errorOf("webhookUrl") ?? t("hints.webhookUrl")}
              data-testid="field-webhookUrl"
            />
            <Input
              type="password"
              autoComplete="new-password"
              label={t("fields.webhookSecret") + (form.hasWebhookSecret ? ` (${t("hints.secretSet")})` : "")}
              value={form.webhookSecret}
              onChange={(e) => onChange("webhookSecret", e.target.value)}
              disabled={readOnly}
              error={Boolean(errorOf("webhookSecret"))}
              helperText={
                errorOf("webhookSecret") ?? (form.hasWebhookSecret ? t("hints.webhookSecretSet") : t("hints.webhookSecretNone"))
              }
              data-testid="field-webhookSecret"
            />
          </Box>
        )}

        <Checkbox
          checked={form.transactional}
          disabled={readOnly}
          onCheckedChange={(checked) => onChange("transactional", checked === true)}
          data-testid="field-transactional"
        >
          <Box display="flex" flexDirection="column">
            <Text size={3}>{t("fields.transactional")}</Text>
            <Text size={2} color="default2">
              {t("hints.transactional")}
            </Text>
          </Box>
        </Checkbox>
        {errorOf("transactional") && <Text color="critical1">{errorOf("transactional")}</Text>}
      </Box>
    </Card>
  );
}
