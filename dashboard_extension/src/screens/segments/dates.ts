/** Date inputs of the rule editor: the API takes ISO date-times with a zone. */

/** The `YYYY-MM-DD` of an ISO date-time as written (its own offset), for a date input. */
export function datePart(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(iso);
  return m ? m[1] : "";
}

/** A date input's day as an ISO date-time at the start (or the end) of that day in the
 * browser's time zone, with its offset. "" for an empty or partial input. */
export function isoOfDay(day: string, end = false): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return "";
  const [y, m, d] = day.split("-").map(Number);
  const local = end ? new Date(y, m - 1, d, 23, 59, 59) : new Date(y, m - 1, d, 0, 0, 0);
  const offset = -local.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${day}T${end ? "23:59:59" : "00:00:00"}${sign}${hh}:${mm}`;
}
