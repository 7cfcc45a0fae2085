/**
 * A small RFC 4180 CSV reader for the IAM credential report. Pure and dependency-free: the report is
 * the only CSV the project reads, and a scan must not depend on a parser we cannot fix ourselves.
 */
import { LifecycleError } from '../shared/errors';

/** The text is not CSV (an unterminated quote, text after a closing quote): nothing can be trusted. */
export class CsvFormatError extends LifecycleError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`CSV line ${line}: ${message}`);
  }
}

export interface CsvRecord {
  /** 1-based line on which the record starts (records may span lines inside quotes). */
  readonly line: number;
  readonly fields: readonly string[];
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/**
 * Splits CSV text into records.
 *
 * Accepts what RFC 4180 allows and what real exports produce: CRLF or LF line ends, quoted fields
 * holding commas, doubled quotes and line breaks, an optional final line break and a UTF-8 BOM.
 * Blank lines are dropped (they carry no record). A stray quote inside an unquoted field is kept as
 * text, as most producers mean it literally; an unterminated quoted field or text after a closing
 * quote throws CsvFormatError, because every later field would be misread.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        const start = line;
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new CsvFormatError('quoted field is never closed', start);
          value += text.slice(j, q);
          line += countLineBreaks(text, j, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        fields.push(value);
        const next = text.charCodeAt(i);
        if (i < n && next !== COMMA && next !== LF && next !== CR) {
          throw new CsvFormatError('unexpected text after a closing quote', line);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === LF || c === CR) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }

      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        if (i >= n) {
          fields.push('');
          break;
        }
        continue;
      }
      // Line break: CRLF, LF or a lone CR ends the record.
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ line: recordLine, fields });
  }
  return records;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF) count++;
    else if (c === CR && text.charCodeAt(k + 1) !== LF) count++;
  }
  return count;
}
