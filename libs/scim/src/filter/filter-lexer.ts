export type TokenKind = 'word' | 'string' | 'number' | '(' | ')' | '[' | ']' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token, used in error details. */
  readonly text: string;
  /** 0-based offset of the token in the filter. */
  readonly position: number;
  /** Decoded string or number for `string` / `number` tokens. */
  readonly value?: string | number;
}

export type Fail = (message: string, position: number) => never;

const WORD_CHAR = /[A-Za-z0-9_:.$\-]/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Hints for characters people type out of habit from other query languages. */
const CHARACTER_HINTS: Record<string, string> = {
  '=': 'SCIM uses "eq" / "ne", not "=" or "!="',
  '!': 'SCIM uses "ne" or "not (...)", not "!"',
  '<': 'SCIM uses "lt" / "le", not "<"',
  '>': 'SCIM uses "gt" / "ge", not ">"',
  '&': 'SCIM uses "and", not "&"',
  '|': 'SCIM uses "or", not "|"',
  "'": 'string values must be in double quotes',
};

export function tokenize(text: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (WHITESPACE.has(char)) {
      index++;
    } else if (char === '(' || char === ')' || char === '[' || char === ']') {
      tokens.push({ kind: char, text: char, position: index });
      index++;
    } else if (char === '"') {
      const { value, end } = readString(text, index, fail);
      tokens.push({ kind: 'string', text: text.slice(index, end), position: index, value });
      index = end;
    } else if (WORD_CHAR.test(char)) {
      const start = index;
      while (index < text.length && WORD_CHAR.test(text[index]!)) index++;
      tokens.push(wordOrNumber(text.slice(start, index), start, fail));
    } else {
      const hint = CHARACTER_HINTS[char];
      fail(`unexpected character ${JSON.stringify(char)}${hint ? ` (${hint})` : ''}`, index);
    }
  }
  tokens.push({ kind: 'end', text: 'end of input', position: text.length });
  return tokens;
}

function wordOrNumber(word: string, position: number, fail: Fail): Token {
  const first = word[0]!;
  if (first === '-' || (first >= '0' && first <= '9')) {
    if (!JSON_NUMBER.test(word)) fail(`${JSON.stringify(word)} is neither a number nor an attribute name`, position);
    return { kind: 'number', text: word, position, value: Number(word) };
  }
  return { kind: 'word', text: word, position };
}

function readString(text: string, start: number, fail: Fail): { value: string; end: number } {
  let value = '';
  let index = start + 1;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') return { value, end: index + 1 };
    if (char !== '\\') {
      value += char;
      index++;
      continue;
    }
    const escape = text[index + 1];
    if (escape === undefined) break;
    if (escape === 'u') {
      const hex = text.slice(index + 2, index + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(`invalid unicode escape "\\u${hex}" (expected 4 hex digits)`, index);
      value += String.fromCharCode(parseInt(hex, 16));
      index += 6;
    } else if (SIMPLE_ESCAPES[escape] !== undefined) {
      value += SIMPLE_ESCAPES[escape];
      index += 2;
    } else {
      fail(`invalid escape "\\${escape}" in string (JSON escapes only: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, index);
    }
  }
  return fail('string is not closed: missing \'"\'', start);
}
