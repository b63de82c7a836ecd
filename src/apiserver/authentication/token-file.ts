/**
 * @module apiserver/authentication/token-file
 * Static bearer tokens from `--token-auth-file`, a CSV of `token,user,uid[,"group1,group2"]`, read
 * once at start as Kubernetes' tokenfile authenticator does: a malformed file stops the server, an
 * empty token is skipped, a repeated token keeps its last line.
 */
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../registry/context.js';
import { withAuthenticatedGroup, type TokenAuthenticator } from './token.js';

/**
 * Records of a CSV document with Go encoding/csv's rules (FieldsPerRecord = -1): fields may be
 * quoted, `""` is a quote inside quotes, quoted fields may span lines, blank lines are skipped and a
 * quote inside an unquoted field is an error.
 */
export function parseCSV(text: string): string[][] {
  const records: string[][] = [];
  const s = text.replace(/\r\n/g, '\n');
  let i = 0, line = 1;
  const fail = (msg: string, col: number): never => { throw new Error(`parse error on line ${line}, column ${col}: ${msg}`); };
  while (i < s.length) {
    if (s[i] === '\n') { i++; line++; continue; } // blank line
    const record: string[] = [];
    let lineStart = i;
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= s.length) fail('extraneous or missing " in quoted-field', i - lineStart + 1);
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            if (i < s.length && s[i] !== ',' && s[i] !== '\n') fail('extraneous or missing " in quoted-field', i - lineStart + 1);
            break;
          }
          if (c === '\n') { line++; lineStart = i + 1; }
          field += c; i++;
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n') {
          if (s[i] === '"') fail('bare " in non-quoted-field', i - lineStart + 1);
          field += s[i]; i++;
        }
      }
      record.push(field);
      if (i < s.length && s[i] === ',') { i++; continue; }
      break;
    }
    if (i < s.length && s[i] === '\n') { i++; line++; }
    records.push(record);
  }
  return records;
}

/** A token authenticator over the records of a token file; `source` names the file in errors. */
export function tokenFileAuthenticator(csv: string, source = 'tokens'): TokenAuthenticator {
  const tokens = new Map<string, UserInfo>();
  for (const record of parseCSV(csv)) {
    if (record.length < 3) {
      throw new Error(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    if (record[0] === '') continue;
    const user: UserInfo = { name: record[1], uid: record[2], groups: record.length >= 4 ? record[3].split(',') : [] };
    tokens.set(record[0], withAuthenticatedGroup(user));
  }
  return {
    async authenticateToken(token, apiAudiences) {
      const user = tokens.get(token);
      if (!user) return null;
      // A copy, so nothing downstream can change the table's entry.
      return { user: { ...user, groups: [...user.groups] }, audiences: [...apiAudiences] };
    },
  };
}

/** `--token-auth-file`: reads and parses the file now; throws if it cannot be used. */
export function loadTokenFile(path: string): TokenAuthenticator {
  return tokenFileAuthenticator(readFileSync(path, 'utf8'), path);
}
