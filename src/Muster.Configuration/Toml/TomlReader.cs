using System.Globalization;
using System.Text;

namespace Muster.Configuration.Toml;

// Reads the subset of TOML that muster.toml uses: [table] and [[array]] headers, key = value pairs, basic "..."
// and literal '...' strings, integers (decimal with _, 0x, 0o, 0b), booleans, arrays (one line or several,
// trailing comma allowed) and # comments. Everything else TOML has (floats, dates, inline tables, multi-line
// strings, nested arrays) is rejected with a message saying so, rather than half-supported. Written by hand so
// every error carries the line and the key being read, and so nothing needs reflection.
internal sealed class TomlReader
{
    private const string ValueHint = "expected a value: a \"string\", an integer, true/false or an [array]";

    private readonly string _text;
    private readonly string _source;
    private int _pos;
    private int _line = 1;

    private readonly TomlTable _root = new("", "", 0, isArrayElement: false);
    private readonly List<TomlTable> _tables = [];
    private readonly Dictionary<string, TomlTable> _singleTables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TomlTable>> _arrayTables = new(StringComparer.Ordinal);
    private TomlTable _current;

    private TomlReader(string text, string source)
    {
        // A UTF-8 byte order mark is harmless; editors on some systems add one.
        _text = text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        _source = source;
        _current = _root;
    }

    public static TomlDocument Parse(string text, string sourceName) => new TomlReader(text, sourceName).ParseDocument();

    private bool AtEnd => _pos >= _text.Length;

    private char Peek(int offset = 0) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private TomlDocument ParseDocument()
    {
        while (true)
        {
            SkipSpaces();
            if (AtEnd)
            {
                break;
            }
            char c = Peek();
            if (c == '#')
            {
                SkipComment();
            }
            else if (c is '\n' or '\r')
            {
                ReadNewline(null);
            }
            else if (c == '[')
            {
                ParseHeader();
                ExpectEndOfLine(null, "after the table header");
            }
            else
            {
                ParseKeyValue();
            }
        }
        return new TomlDocument(_root, _tables);
    }

    private ConfigException Error(int line, string? key, string detail) => new(_source, line, key, detail);

    private void SkipSpaces()
    {
        while (!AtEnd && Peek() is ' ' or '\t')
        {
            _pos++;
        }
    }

    private void SkipComment()
    {
        while (!AtEnd && Peek() is not '\n' and not '\r')
        {
            char c = Peek();
            if (c < 0x20 && c != '\t' || c == 0x7F)
            {
                throw Error(_line, null, $"control character U+{(int)c:X4} in a comment");
            }
            _pos++;
        }
    }

    private void ReadNewline(string? key)
    {
        if (Peek() == '\r')
        {
            if (Peek(1) != '\n')
            {
                throw Error(_line, key, "carriage return without a line feed (expected \\n or \\r\\n line endings)");
            }
            _pos++;
        }
        _pos++;
        _line++;
    }

    // After a header or a value only spaces and a comment may follow on the same line.
    private void ExpectEndOfLine(string? key, string after)
    {
        SkipSpaces();
        if (!AtEnd && Peek() == '#')
        {
            SkipComment();
        }
        if (AtEnd)
        {
            return;
        }
        if (Peek() is '\n' or '\r')
        {
            ReadNewline(key);
            return;
        }
        throw Error(_line, key, $"unexpected {Show(Peek())} {after} (expected the end of the line; put each key on its own line)");
    }

    private static string Show(char c) => c switch
    {
        '\'' => "\"'\"",
        _ when c < 0x20 || c == 0x7F => string.Create(CultureInfo.InvariantCulture, $"control character U+{(int)c:X4}"),
        _ => $"'{c}'",
    };

    private static bool IsBareKeyChar(char c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-';

    private void ParseHeader()
    {
        int line = _line;
        _pos++; // '['
        bool isArray = Peek() == '[';
        if (isArray)
        {
            _pos++;
        }
        SkipSpaces();
        string name = ParseKey(null);
        SkipSpaces();
        string close = isArray ? "]]" : "]";
        if (Peek() != ']' || isArray && Peek(1) != ']')
        {
            throw Error(line, name, $"table header is not closed (expected \"{close}\" after \"{name}\")");
        }
        _pos += close.Length;

        if (isArray)
        {
            if (_singleTables.TryGetValue(name, out TomlTable? single))
            {
                throw Error(line, name,
                    $"[[{name}]] conflicts with [{name}] on line {single.Line} (a name is either a table or an array of tables)");
            }
            if (!_arrayTables.TryGetValue(name, out List<TomlTable>? list))
            {
                list = [];
                _arrayTables.Add(name, list);
            }
            string path = string.Create(CultureInfo.InvariantCulture, $"{name}[{list.Count}]");
            var table = new TomlTable(name, path, line, isArrayElement: true);
            list.Add(table);
            _tables.Add(table);
            _current = table;
        }
        else
        {
            if (_singleTables.TryGetValue(name, out TomlTable? existing))
            {
                throw Error(line, name, $"table [{name}] is defined twice (first on line {existing.Line})");
            }
            if (_arrayTables.TryGetValue(name, out List<TomlTable>? list))
            {
                throw Error(line, name,
                    $"[{name}] conflicts with [[{name}]] on line {list[0].Line} (a name is either a table or an array of tables)");
            }
            var table = new TomlTable(name, name, line, isArrayElement: false);
            _singleTables.Add(name, table);
            _tables.Add(table);
            _current = table;
        }
    }

    // A key: bare (A-Za-z0-9_-) or quoted segments joined by dots. muster.toml only uses plain names, but a dotted
    // key is parsed whole so that the schema can report it as an unknown key instead of a confusing syntax error.
    private string ParseKey(string? tablePath)
    {
        var sb = new StringBuilder();
        while (true)
        {
            char c = Peek();
            if (c == '"')
            {
                sb.Append(ParseBasicString(tablePath));
            }
            else if (c == '\'')
            {
                sb.Append(ParseLiteralString(tablePath));
            }
            else if (IsBareKeyChar(c))
            {
                int start = _pos;
                while (IsBareKeyChar(Peek()))
                {
                    _pos++;
                }
                sb.Append(_text, start, _pos - start);
            }
            else
            {
                string found = AtEnd || c is '\n' or '\r' ? "the end of the line" : Show(c);
                throw Error(_line, tablePath is null || tablePath.Length == 0 ? null : tablePath,
                    $"expected a key name (letters, digits, '_' or '-'), found {found}");
            }
            SkipSpaces();
            if (Peek() != '.')
            {
                return sb.ToString();
            }
            _pos++;
            sb.Append('.');
            SkipSpaces();
        }
    }

    private void ParseKeyValue()
    {
        int line = _line;
        string key = ParseKey(_current.Path);
        string path = _current.KeyPath(key);
        SkipSpaces();
        if (Peek() != '=')
        {
            string found = AtEnd || Peek() is '\n' or '\r' ? "the end of the line" : Show(Peek());
            throw Error(line, path, $"expected '=' after the key, found {found}");
        }
        _pos++;
        SkipSpaces();
        TomlValue value = ParseValue(path, insideArray: false);
        if (!_current.TryAdd(new TomlEntry(key, line, value), out TomlEntry existing))
        {
            throw Error(line, path, $"duplicate key (already set on line {existing.Line}; each key may appear once per table)");
        }
        ExpectEndOfLine(path, "after the value");
    }

    private TomlValue ParseValue(string path, bool insideArray)
    {
        int line = _line;
        char c = Peek();
        switch (c)
        {
            case '"':
                return TomlValue.FromString(ParseBasicString(path), line);
            case '\'':
                return TomlValue.FromString(ParseLiteralString(path), line);
            case '[':
                if (insideArray)
                {
                    throw Error(line, path, "nested arrays are not supported (expected strings or integers)");
                }
                return ParseArray(path);
            case '{':
                throw Error(line, path, "inline tables { ... } are not supported (use a [table] section)");
            default:
                if (AtEnd || c is '\n' or '\r' or '#')
                {
                    throw Error(line, path, $"missing value after '=' ({ValueHint})");
                }
                return ParseBareValue(path, line);
        }
    }

    private TomlValue ParseBareValue(string path, int line)
    {
        int start = _pos;
        while (!AtEnd && Peek() is not (' ' or '\t' or '\n' or '\r' or '#' or ',' or ']' or '[' or '"' or '\''))
        {
            _pos++;
        }
        string token = _text[start.._pos];
        if (token.Length == 0)
        {
            throw Error(line, path, $"unexpected {Show(Peek())} ({ValueHint})");
        }
        if (token == "true")
        {
            return TomlValue.FromBoolean(true, line);
        }
        if (token == "false")
        {
            return TomlValue.FromBoolean(false, line);
        }
        if (TryParseInteger(token, out Int128 value, out string? problem))
        {
            return TomlValue.FromInteger(value, line);
        }
        throw Error(line, path, problem ?? Classify(token));
    }

    // Explains a token that is not a value, guessing what was meant.
    private static string Classify(string token)
    {
        string t = token.TrimStart('+', '-');
        if (t is "inf" or "nan")
        {
            return $"{token}: floating-point values are not supported (expected an integer)";
        }
        if (t.Length > 0 && char.IsAsciiDigit(t[0]))
        {
            int i = 0;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] is '.' or '_'))
            {
                i++;
            }
            string suffix = t[i..];
            if (suffix.Length > 0 && suffix.All(char.IsLetter))
            {
                return $"{token} is not a value; durations and sizes are strings (write \"{token}\")";
            }
            if (suffix.Contains(':') || suffix.StartsWith('-'))
            {
                return $"{token}: dates and times are not supported (expected a \"string\" or an integer)";
            }
            if (t.Contains('.') || suffix.StartsWith('e') || suffix.StartsWith('E'))
            {
                return $"{token}: floating-point values are not supported (expected an integer, or a string such as \"1.5s\")";
            }
        }
        if (token is "True" or "False" or "TRUE" or "FALSE" or "yes" or "no" or "on" or "off")
        {
            return $"{token} is not a value (booleans are written true or false, in lower case)";
        }
        if (token.All(ch => IsBareKeyChar(ch) || ch is '.' or '/' or ':' or '%'))
        {
            return $"{token} is not a value; strings must be quoted (write \"{token}\")";
        }
        return $"{token} is not a value ({ValueHint})";
    }

    // TOML integers: optional sign, decimal digits without leading zeros, '_' only between digits; or 0x / 0o / 0b
    // prefixed. Values up to 2^64-1 are accepted (config_version is unsigned 64-bit); each key checks its range.
    internal static bool TryParseInteger(string token, out Int128 value, out string? problem)
    {
        value = 0;
        problem = null;
        int i = 0;
        bool negative = false;
        if (token.Length > 0 && token[0] is '+' or '-')
        {
            negative = token[0] == '-';
            i = 1;
        }
        string body = token[i..];
        if (body.Length == 0)
        {
            return false;
        }
        int radix = 10;
        if (body.Length > 2 && body[0] == '0' && body[1] is 'x' or 'o' or 'b')
        {
            if (i > 0)
            {
                problem = $"{token} is not a valid integer (a sign is not allowed with 0x, 0o or 0b)";
                return false;
            }
            radix = body[1] switch { 'x' => 16, 'o' => 8, _ => 2 };
            body = body[2..];
        }
        else if (body.Length > 1 && body[0] == '0' && body.All(c => char.IsAsciiDigit(c) || c == '_'))
        {
            problem = $"{token} is not a valid integer (leading zeros are not allowed; an octal mode is written as a string: \"{body}\")";
            return false;
        }

        Int128 limit = ulong.MaxValue;
        bool previousDigit = false;
        bool any = false;
        foreach (char c in body)
        {
            if (c == '_')
            {
                if (!previousDigit)
                {
                    problem = $"{token} is not a valid integer ('_' must sit between two digits)";
                    return false;
                }
                previousDigit = false;
                continue;
            }
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                if (radix != 10)
                {
                    problem = $"{token} is not a valid integer ('{c}' is not a base-{radix} digit)";
                }
                return false;
            }
            value = value * radix + digit;
            if (value > limit)
            {
                problem = $"{token} is too large (integers are at most {ulong.MaxValue})";
                return false;
            }
            previousDigit = true;
            any = true;
        }
        if (!any || !previousDigit)
        {
            if (any)
            {
                problem = $"{token} is not a valid integer ('_' must sit between two digits)";
            }
            return false;
        }
        if (negative)
        {
            value = -value;
        }
        return true;
    }

    private TomlValue ParseArray(string path)
    {
        int line = _line;
        _pos++; // '['
        var items = new List<TomlValue>();
        while (true)
        {
            SkipArraySpace(path, line);
            if (Peek() == ']')
            {
                _pos++;
                break;
            }
            if (Peek() == ',')
            {
                throw Error(_line, path, "unexpected ',' in array (expected a value or ']')");
            }
            TomlValue item = ParseValue(path, insideArray: true);
            if (items.Count > 0 && items[0].Kind != item.Kind)
            {
                throw Error(item.Line, path,
                    $"array mixes {TomlValue.KindName(items[0].Kind)}s and {TomlValue.KindName(item.Kind)}s "
                    + "(all elements must have one type)");
            }
            items.Add(item);
            SkipArraySpace(path, line);
            if (Peek() == ',')
            {
                _pos++;
                continue;
            }
            if (Peek() == ']')
            {
                _pos++;
                break;
            }
            throw Error(_line, path, $"unexpected {Show(Peek())} in array (expected ',' or ']')");
        }
        return TomlValue.FromArray(items, line);
    }

    // Inside brackets newlines and comments are allowed, so arrays may span lines.
    private void SkipArraySpace(string path, int arrayLine)
    {
        while (true)
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw Error(arrayLine, path, "array is not closed (missing ']')");
            }
            char c = Peek();
            if (c == '#')
            {
                SkipComment();
            }
            else if (c is '\n' or '\r')
            {
                ReadNewline(path);
            }
            else
            {
                return;
            }
        }
    }

    private string ParseLiteralString(string? path)
    {
        int line = _line;
        if (Peek(1) == '\'' && Peek(2) == '\'')
        {
            throw Error(line, path, "multi-line strings ('''...''') are not supported");
        }
        _pos++;
        int start = _pos;
        while (true)
        {
            if (AtEnd || Peek() is '\n' or '\r')
            {
                throw Error(line, path, "string is not closed (missing \"'\" before the end of the line)");
            }
            char c = Peek();
            if (c == '\'')
            {
                string s = _text[start.._pos];
                _pos++;
                return s;
            }
            if (c < 0x20 && c != '\t' || c == 0x7F)
            {
                throw Error(line, path, $"{Show(c)} in a string (not allowed)");
            }
            _pos++;
        }
    }

    private string ParseBasicString(string? path)
    {
        int line = _line;
        if (Peek(1) == '"' && Peek(2) == '"')
        {
            throw Error(line, path, "multi-line strings (\"\"\"...\"\"\") are not supported");
        }
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() is '\n' or '\r')
            {
                throw Error(line, path, "string is not closed (missing '\"' before the end of the line)");
            }
            char c = Peek();
            _pos++;
            if (c == '"')
            {
                return sb.ToString();
            }
            if (c == '\\')
            {
                ReadEscape(sb, path, line);
                continue;
            }
            if (c < 0x20 && c != '\t' || c == 0x7F)
            {
                throw Error(line, path, $"{Show(c)} in a string (write it as an escape such as \\n or \\u0001)");
            }
            sb.Append(c);
        }
    }

    private void ReadEscape(StringBuilder sb, string? path, int line)
    {
        char e = Peek();
        if (AtEnd || e is '\n' or '\r')
        {
            throw Error(line, path, "string is not closed (a '\\' at the end of the line)");
        }
        _pos++;
        switch (e)
        {
            case 'b': sb.Append('\b'); return;
            case 't': sb.Append('\t'); return;
            case 'n': sb.Append('\n'); return;
            case 'f': sb.Append('\f'); return;
            case 'r': sb.Append('\r'); return;
            case 'e': sb.Append('\u001B'); return;
            case '"': sb.Append('"'); return;
            case '\\': sb.Append('\\'); return;
            case 'u':
            case 'U':
                int length = e == 'u' ? 4 : 8;
                string hex = _pos + length <= _text.Length ? _text.Substring(_pos, length) : "";
                if (hex.Length != length || !hex.All(char.IsAsciiHexDigit)
                    || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
                    || !Rune.IsValid(code))
                {
                    throw Error(line, path, $"invalid escape \\{e}{hex} in a string (expected \\u and 4 or \\U and 8 hex digits "
                        + "naming a Unicode scalar value)");
                }
                _pos += length;
                sb.Append(new Rune(code).ToString());
                return;
            default:
                throw Error(line, path, $"invalid escape \\{e} in a string (valid escapes: \\\\ \\\" \\n \\t \\r \\b \\f \\e \\uXXXX "
                    + "\\UXXXXXXXX; for a Windows-style path use a literal string '...')");
        }
    }
}
