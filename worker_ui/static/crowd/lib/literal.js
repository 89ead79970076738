// A small, tolerant reader for the JavaScript-style literals templates put in attributes:
// categories="['Cat', 'Dog']", exclusion-category="{ text: 'None of the above' }".
// It reads strings (single, double or back quotes), numbers, true/false/null/undefined, arrays
// and objects (unquoted keys, trailing commas, comments). It never evaluates code.

export class LiteralSyntaxError extends SyntaxError {
  constructor(message) {
    super(message);
    this.name = 'LiteralSyntaxError';
  }
}

const IDENTIFIER = /[A-Za-z_$][\w$]*/y;
const NUMBER = /[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)/y;
const WORDS = { true: true, false: false, null: null, undefined: null, NaN: NaN };
const ESCAPES = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };

class Reader {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  fail(problem) {
    const shown = this.text.length > 80 ? `${this.text.slice(0, 77)}...` : this.text;
    throw new LiteralSyntaxError(`${problem} at position ${this.at + 1} of ${JSON.stringify(shown)}`);
  }

  skipSpace() {
    const text = this.text;
    for (;;) {
      const char = text[this.at];
      if (char !== undefined && /[\s\ufeff]/.test(char)) {
        this.at += 1;
      } else if (char === '/' && text[this.at + 1] === '/') {
        const end = text.indexOf('\n', this.at);
        this.at = end < 0 ? text.length : end + 1;
      } else if (char === '/' && text[this.at + 1] === '*') {
        const end = text.indexOf('*/', this.at + 2);
        if (end < 0) this.fail('unterminated comment');
        this.at = end + 2;
      } else {
        return;
      }
    }
  }

  match(pattern) {
    pattern.lastIndex = this.at;
    const found = pattern.exec(this.text);
    if (!found) return null;
    this.at = pattern.lastIndex;
    return found[0];
  }

  value() {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === '[') return this.array();
    if (char === '{') return this.object();
    if (char === '"' || char === "'" || char === '`') return this.string();
    const number = this.match(NUMBER);
    if (number !== null) return Number(number.replace(/^\+/, ''));
    const start = this.at;
    const word = this.match(IDENTIFIER);
    if (word !== null && Object.hasOwn(WORDS, word)) return WORDS[word];
    this.at = start;
    if (word !== null) this.fail(`unexpected word "${word}"`);
    this.fail(char === undefined ? 'unexpected end of text' : `unexpected character "${char}"`);
  }

  // Skips the separator after an item; returns true when the closing bracket was reached.
  endOfItem(closing) {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === ',') {
      this.at += 1;
      this.skipSpace();
      if (this.text[this.at] !== closing) return false;
    } else if (char !== closing) {
      this.fail(`expected "," or "${closing}"`);
    }
    this.at += 1;
    return true;
  }

  array() {
    this.at += 1;
    const items = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at += 1;
      return items;
    }
    do {
      items.push(this.value());
    } while (!this.endOfItem(']'));
    return items;
  }

  object() {
    this.at += 1;
    const result = {};
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at += 1;
      return result;
    }
    do {
      const key = this.key();
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail('expected ":"');
      this.at += 1;
      // defineProperty, so that a "__proto__" key is plain data and never a prototype.
      Object.defineProperty(result, key, {
        value: this.value(), enumerable: true, writable: true, configurable: true,
      });
    } while (!this.endOfItem('}'));
    return result;
  }

  key() {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === '"' || char === "'" || char === '`') return this.string();
    const key = this.match(IDENTIFIER) ?? this.match(NUMBER);
    if (key === null) this.fail('expected a key');
    return key;
  }

  string() {
    const quote = this.text[this.at];
    this.at += 1;
    let result = '';
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) this.fail('unterminated string');
      this.at += 1;
      if (char === quote) return result;
      if (char !== '\\') {
        result += char;
        continue;
      }
      result += this.escape();
    }
  }

  escape() {
    const char = this.text[this.at];
    this.at += 1;
    if (char === undefined) this.fail('unterminated string');
    if (Object.hasOwn(ESCAPES, char)) return ESCAPES[char];
    if (char === '\n') return '';
    if (char === 'x') return this.codePoint(/[0-9a-fA-F]{2}/y);
    if (char === 'u') {
      if (this.text[this.at] !== '{') return this.codePoint(/[0-9a-fA-F]{4}/y);
      this.at += 1;
      const point = this.codePoint(/[0-9a-fA-F]{1,6}/y);
      if (this.text[this.at] !== '}') this.fail('bad \\u{...} escape');
      this.at += 1;
      return point;
    }
    return char;
  }

  codePoint(pattern) {
    const digits = this.match(pattern);
    if (digits === null) this.fail('bad escape');
    const point = parseInt(digits, 16);
    if (point > 0x10ffff) this.fail('bad escape');
    return String.fromCodePoint(point);
  }
}

/** Reads one literal; throws LiteralSyntaxError naming the position of the problem. */
export function parseLiteral(text) {
  const reader = new Reader(String(text));
  const value = reader.value();
  reader.skipSpace();
  if (reader.at < reader.text.length) reader.fail('unexpected text after the value');
  return value;
}

/** The text of one category: a string, or an object's label/text/name. */
export function categoryText(item) {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object') {
    const text = item.label ?? item.text ?? item.name;
    if (text != null) return String(text);
  }
  return String(item);
}

/** `categories` from an attribute (literal text) or a property (array). */
export function parseCategories(value) {
  if (value == null) return [];
  if (typeof value === 'string' && value.trim() === '') return [];
  const parsed = typeof value === 'string' ? parseLiteral(value) : value;
  if (!Array.isArray(parsed)) {
    throw new TypeError(`categories must be a list such as ['Cat', 'Dog'], got ${JSON.stringify(value)}`);
  }
  return parsed.map(categoryText);
}

/** The text of `exclusion-category` ("{ text: 'None' }", an object, or plain text), or null. */
export function parseExclusionCategory(value) {
  if (value == null) return null;
  if (typeof value === 'object') return value.text == null ? null : String(value.text);
  const text = String(value).trim();
  if (!text) return null;
  let parsed;
  try {
    parsed = parseLiteral(text);
  } catch (error) {
    if (error instanceof LiteralSyntaxError && !/^[[{'"`]/.test(text)) return text;
    throw error;
  }
  if (typeof parsed === 'string') return parsed;
  if (parsed && typeof parsed === 'object' && parsed.text != null) return String(parsed.text);
  throw new TypeError(`exclusion-category must look like { text: 'None of the above' }, got ${text}`);
}
