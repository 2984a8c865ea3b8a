/**
 * The segment screens' GraphQL documents and result types (the CRM endpoint), and
 * the catalogue searches on Saleor's main API used by the item pickers.
 */

import type { TypedError } from "../../api/client";

export type SegmentKind = "DYNAMIC" | "STATIC";

export type CrmError = TypedError;

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface SegmentRow {
  id: string;
  name: string;
  description: string;
  channel: string | null;
  kind: SegmentKind;
  preset: string | null;
  membersCount: number;
  computedAt: string | null;
}

export interface Segment extends SegmentRow {
  rule: Record<string, unknown>;
  presetParams: Record<string, unknown>;
}

export interface Money {
  amount: number;
  currency: string;
}

export interface Member {
  id: string;
  channel: string;
  customerId: string | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  currency: string;
  paidOrdersCount: number;
  netSpent: Money;
  lastOrderAt: string | null;
  rfmGroup: string | null;
}

export interface SegmentEvent {
  id: string;
  kind: "ENTER" | "EXIT";
  createdAt: string;
  customerId: string | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  channel: string;
}

export interface Preset {
  key: string;
  title: string;
  description: string;
  defaults: Record<string, number | string>;
}

export interface Count {
  count: number;
  total: number;
  share: number;
}

export interface Connection<T> {
  edges: { node: T; cursor?: string }[];
  pageInfo: PageInfo;
  totalCount: number | null;
}

const ROW = `id name description channel kind preset membersCount computedAt`;
const PAGE = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`;
const ERRORS = `errors { field code message }`;

export const SEGMENTS_QUERY = /* GraphQL */ `
  query CrmSegments($first: Int, $after: String, $last: Int, $before: String, $filter: CRMSegmentFilterInput) {
    crmSegments(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      edges { node { ${ROW} } }
      ${PAGE}
    }
  }
`;

export const SEGMENT_QUERY = /* GraphQL */ `
  query CrmSegment($id: ID!) {
    crmSegment(id: $id) { ${ROW} rule presetParams }
  }
`;

export const MEMBERS_QUERY = /* GraphQL */ `
  query CrmSegmentMembers($id: ID!, $first: Int, $after: String) {
    crmSegment(id: $id) {
      id
      membersCount
      members(first: $first, after: $after) {
        edges { node {
          id channel customerId email firstName lastName currency paidOrdersCount
          netSpent { amount currency } lastOrderAt rfmGroup
        } }
        ${PAGE}
      }
    }
  }
`;

export const EVENTS_QUERY = /* GraphQL */ `
  query CrmSegmentEvents($segment: ID!, $kind: CRMSegmentEventKindEnum, $first: Int, $after: String) {
    crmSegmentEvents(first: $first, after: $after, filter: { segment: $segment, kind: $kind }) {
      edges { node { id kind createdAt customerId email firstName lastName channel } }
      ${PAGE}
    }
  }
`;

export const PRESETS_QUERY = /* GraphQL */ `
  query CrmSegmentPresets {
    crmSegmentPresets { key title description defaults }
  }
`;

export const PREVIEW_QUERY = /* GraphQL */ `
  query CrmSegmentPreview($rule: JSON, $preset: String, $presetParams: JSON, $channel: String) {
    crmSegmentPreview(rule: $rule, preset: $preset, presetParams: $presetParams, channel: $channel) {
      result { count total share }
      ${ERRORS}
    }
  }
`;

export const CREATE_MUTATION = /* GraphQL */ `
  mutation CrmSegmentCreate($input: CRMSegmentInput!) {
    crmSegmentCreate(input: $input) { segment { ${ROW} rule presetParams } ${ERRORS} }
  }
`;

export const UPDATE_MUTATION = /* GraphQL */ `
  mutation CrmSegmentUpdate($id: ID!, $input: CRMSegmentInput!) {
    crmSegmentUpdate(id: $id, input: $input) { segment { ${ROW} rule presetParams } ${ERRORS} }
  }
`;

export const DELETE_MUTATION = /* GraphQL */ `
  mutation CrmSegmentDelete($id: ID!) {
    crmSegmentDelete(id: $id) { segment { id } ${ERRORS} }
  }
`;

export const REFRESH_MUTATION = /* GraphQL */ `
  mutation CrmSegmentRefresh($id: ID!) {
    crmSegmentRefresh(id: $id) { segment { ${ROW} } entered exited ${ERRORS} }
  }
`;

export const EXPORT_MUTATION = /* GraphQL */ `
  mutation CrmSegmentExport($id: ID!, $format: CRMSegmentExportFormatEnum, $bom: Boolean) {
    crmSegmentExport(id: $id, format: $format, bom: $bom) { url expiresAt columns ${ERRORS} }
  }
`;

// --- Saleor's catalogue (main API) for the item pickers -----------------------------

export type PickerKind = "products" | "categories" | "collections";

const TYPE_NAME: Record<PickerKind, string> = {
  products: "Product",
  categories: "Category",
  collections: "Collection",
};

/** Saleor's global ID of a database ID (`Product:12` in base64). */
export function toGlobalId(kind: PickerKind, id: number): string {
  return btoa(`${TYPE_NAME[kind]}:${id}`);
}

/** The database ID of Saleor's global ID; null when it is not of that type. */
export function fromGlobalId(kind: PickerKind, globalId: string): number | null {
  try {
    const [type, raw] = atob(globalId).split(":");
    const id = Number(raw);
    return type === TYPE_NAME[kind] && Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

export function catalogueSearchQuery(kind: PickerKind): string {
  return /* GraphQL */ `
    query CrmPick${TYPE_NAME[kind]}($search: String, $ids: [ID!], $first: Int!) {
      ${kind}(first: $first, filter: { search: $search, ids: $ids }) {
        edges { node { id name } }
      }
    }
  `;
}

export interface PickerItem {
  id: number;
  name: string;
}

// Static segments: add / remove customers by their Saleor User IDs.
export const MEMBERS_ADD_MUTATION = /* GraphQL */ `
  mutation CrmSegmentMembersAdd($id: ID!, $customerIds: [ID!]!) {
    crmSegmentMembersAdd(id: $id, customerIds: $customerIds) {
      segment { id membersCount } added skippedCustomerIds ${ERRORS}
    }
  }
`;

export const MEMBERS_REMOVE_MUTATION = /* GraphQL */ `
  mutation CrmSegmentMembersRemove($id: ID!, $customerIds: [ID!]!) {
    crmSegmentMembersRemove(id: $id, customerIds: $customerIds) {
      segment { id membersCount } removed ${ERRORS}
    }
  }
`;
