/**
 * Writing CSV for spreadsheets: RFC 4180 quoting, and a defence against formula injection (a user
 * name or tag-derived text such as `=HYPERLINK(...)` must not run when an auditor opens the file).
 */

/** Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field: a text value starting like a formula gets a leading `'` (shown as text by spreadsheets);
 * then a field holding a comma, quote, CR or LF is quoted, with quotes doubled.
 */
export function csvField(value: string | number | boolean | undefined): string {
  let text = value === undefined ? '' : String(value);
  // Numbers are written as numbers (days to an expiry may be negative); only text can smuggle a formula.
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Records joined with CRLF (RFC 4180); no line break after the last (the printer adds one). */
export function csvText(records: readonly (readonly (string | number | boolean | undefined)[])[]): string {
  return records.map((fields) => fields.map(csvField).join(',')).join('\r\n');
}
