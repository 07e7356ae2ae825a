using System.Globalization;
using System.Text;
using Tomlyn;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
// Our Muster.Configuration.ValueSyntax (value formats) would hide Tomlyn's node type of the same name.
using TomlValueNode = Tomlyn.Syntax.ValueSyntax;

namespace Muster.Configuration.Toml;

// Reads muster.toml into a TomlDocument. Tomlyn's syntax parser does the parsing (tables, keys, values, string
// decoding, positions); this class walks its syntax tree (no reflection, no object mapping, so it stays trim- and
// AOT-clean) and adds the checks that make muster.toml a strict subset of TOML: floats, dates, inline tables,
// multi-line strings, nested or mixed arrays and \x escapes are rejected by name, and a key or table given twice
// is an error. Integers are read by our own rules because config_version is unsigned 64-bit, past Tomlyn's Int64.
//
// Tomlyn's diagnostics are right about *where* a file is broken but are worded for TOML experts and know nothing
// of our keys, so each error is worded here instead: the statement holding Tomlyn's first error is re-read from
// its source text (positions come from the tree) to say, with the line and the key, what is wrong and what was
// meant. Only an error this layer cannot explain is passed on in Tomlyn's own words, still with line and key.
internal sealed class TomlReader
{
    private const string ValueHint = "expected a value: a \"string\", an integer, true/false or an [array]";

    private readonly string _text;
    private readonly string _source;
    private readonly int[] _lineStarts;

    // Tomlyn's first error (by position), or null. Statements that start after it are never read: the parser's
    // recovery invents them.
    private readonly DiagnosticMessage? _error;
    private readonly int _errorOffset;

    private readonly TomlTable _root = new("", "", 0, isArrayElement: false);
    private readonly List<TomlTable> _tables = [];
    private readonly Dictionary<string, TomlTable> _singleTables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TomlTable>> _arrayTables = new(StringComparer.Ordinal);
    private TomlTable _current;

    private TomlReader(string text, string source, DocumentSyntax document, HashSet<DiagnosticMessage> lexerErrors)
    {
        _text = text;
        _source = source;
        _current = _root;
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }
        _lineStarts = [.. starts];
        (_error, _errorOffset) = FirstError(document, lexerErrors);
    }

    public static TomlDocument Parse(string text, string sourceName)
    {
        // A UTF-8 byte order mark is harmless; editors on some systems add one.
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        // Tomlyn 2.10 throws ArgumentOutOfRangeException, instead of reporting an error, when the text ends inside a
        // string escape (a lone backslash or an unfinished \u as the last characters). A final line break avoids that
        // and moves no offset or line; the string is still unclosed, and our own check of the source text says so.
        // (Not after a '\r': a lone carriage return at the end must stay an error.)
        string parsed = text.EndsWith('\n') || text.EndsWith('\r') ? text : text + "\n";
        TomlLexer lexer = TomlLexer.Create(parsed, new TomlLexerOptions { DecodeScalars = true }, sourceName);
        DocumentSyntax document;
        try
        {
            // validate: false because duplicate keys and tables are checked here, with messages naming both lines.
            document = SyntaxParser.Parse(lexer, validate: false);
        }
        catch (TomlException ex)
        {
            // Tomlyn throws, rather than reporting a diagnostic with a position, only when arrays or inline tables
            // nest deeper than its limit (64), so this one error has no line.
            throw new ConfigException(sourceName, 0, null,
                "values are nested too deeply to read (nested arrays and inline tables are not supported)", ex);
        }
        var lexerErrors = new HashSet<DiagnosticMessage>(lexer.Errors, ReferenceEqualityComparer.Instance);
        return new TomlReader(text, sourceName, document, lexerErrors).Read(document);
    }

    private TomlDocument Read(DocumentSyntax document)
    {
        foreach (KeyValueSyntax kv in document.KeyValues)
        {
            ReadKeyValue(kv);
        }
        foreach (TableSyntaxBase table in document.Tables)
        {
            ReadHeader(table);
            foreach (KeyValueSyntax kv in table.Items)
            {
                ReadKeyValue(kv);
            }
        }
        if (_error is not null)
        {
            // Tomlyn's first error lies after the last statement, e.g. a stray token on the last line.
            ExplainOutsideStatements();
        }
        return new TomlDocument(_root, _tables);
    }

    // ---- Tomlyn's diagnostics ----

    private (DiagnosticMessage? Error, int Offset) FirstError(DocumentSyntax document, HashSet<DiagnosticMessage> lexerErrors)
    {
        // Integers are read by our own rules (up to 2^64-1); Tomlyn's complaints inside an integer we accept, such
        // as "Unable to parse integer" for a config_version above Int64.MaxValue, are not errors here.
        var accepted = new List<(int Start, int End)>();
        foreach (IntegerValueSyntax integer in document.Descendants().OfType<IntegerValueSyntax>())
        {
            int start = integer.Span.Start.Offset;
            string token = BareToken(start);
            if (TryParseInteger(token, out _, out _))
            {
                accepted.Add((start, start + token.Length));
            }
        }

        DiagnosticMessage? first = null;
        int firstOffset = int.MaxValue;
        bool firstParserError = true;
        foreach (DiagnosticMessage d in document.Diagnostics)
        {
            if (d.Kind != DiagnosticMessageKind.Error)
            {
                continue;
            }
            int offset = d.Span.Start.Offset;
            if (!lexerErrors.Contains(d))
            {
                // The parser gives errors it meets after the end of the text a zeroed span. It reports in reading
                // order, so only its first error can truly be at offset 0. (The lexer's errors, which Tomlyn lists
                // after the parser's, always carry real positions.)
                if (d.Span.Start == default && d.Span.End == default && !firstParserError)
                {
                    offset = _text.Length;
                }
                firstParserError = false;
            }
            offset = Math.Clamp(offset, 0, _text.Length);
            if (accepted.Exists(r => offset >= r.Start && offset < r.End))
            {
                continue;
            }
            if (offset < firstOffset)
            {
                first = d;
                firstOffset = offset;
            }
        }
        return (first, firstOffset);
    }

    // The first error is before this statement: it is between statements (a stray token, a line without a key, a
    // control character in a comment line).
    private void CheckNoErrorBefore(int statementStart)
    {
        if (_error is not null && _errorOffset < statementStart)
        {
            ExplainOutsideStatements();
        }
    }

    private void ExplainOutsideStatements()
    {
        int p = _errorOffset;
        char c = At(p);
        if (c == '\r' && At(p + 1) != '\n')
        {
            throw CarriageReturn(p, null);
        }
        if (char.IsSurrogate(c) && !char.IsSurrogatePair(_text, p))
        {
            // Only a string built in code can hold half a surrogate pair (reading a file replaces bad UTF-8).
            throw TomlynError(null);
        }
        int lineStart = _lineStarts[LineIndex(p)];
        if (IsControl(c) && _text.AsSpan(lineStart, p - lineStart).Contains('#'))
        {
            throw Error(LineAt(p), null, $"control character U+{(int)c:X4} in a comment");
        }
        throw ExpectedKeyName(p, TablePathOrNull());
    }

    // Our own reading of a statement found nothing wrong, yet Tomlyn's first error lies inside it: pass Tomlyn's
    // words on, with our line and key.
    private void CheckNoErrorWithin(int start, int end, string? key)
    {
        if (_error is not null && _errorOffset >= start && _errorOffset < end)
        {
            throw TomlynError(key);
        }
    }

    private ConfigException TomlynError(string? key)
    {
        string message = _error?.Message ?? "";
        return Error(LineAt(_errorOffset), key, message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : "cannot be read as TOML");
    }

    // ---- statements ----

    private void ReadHeader(TableSyntaxBase header)
    {
        int start = header.Span.Start.Offset;
        CheckNoErrorBefore(start);
        int line = LineAt(start);
        bool isArray = header is TableArraySyntax;

        (string name, int nameEnd) = ReadKey(header.Name, SkipSpaces(start + (isArray ? 2 : 1)), null);
        int p = SkipSpaces(nameEnd);
        string close = isArray ? "]]" : "]";
        if (string.CompareOrdinal(_text, p, close, 0, close.Length) != 0)
        {
            throw Error(line, name, $"table header is not closed (expected \"{close}\" after \"{name}\")");
        }

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

        int end = ExpectEndOfLine(p + close.Length, null, "after the table header");
        CheckNoErrorWithin(start, end, name);
    }

    private void ReadKeyValue(KeyValueSyntax kv)
    {
        int start = kv.Span.Start.Offset;
        CheckNoErrorBefore(start);
        int line = LineAt(start);

        (string key, int keyEnd) = ReadKey(kv.Key, start, TablePathOrNull());
        string path = _current.KeyPath(key);
        int p = SkipSpaces(keyEnd);
        if (At(p) != '=' || kv.EqualToken is null or InvalidSyntaxToken)
        {
            throw Error(line, path, $"expected '=' after the key, found {Found(p)}");
        }

        (TomlValue value, int valueEnd) = ReadValue(kv.Value, SkipSpaces(p + 1), path, insideArray: false);
        if (!_current.TryAdd(new TomlEntry(key, line, value), out TomlEntry existing))
        {
            throw Error(line, path, $"duplicate key (already set on line {existing.Line}; each key may appear once per table)");
        }
        int end = ExpectEndOfLine(valueEnd, path, "after the value");
        CheckNoErrorWithin(start, end, path);
    }

    // A key: bare or quoted parts joined by dots, starting at `at`. muster.toml only uses plain names, but a dotted
    // key is read whole so that the schema can report it as an unknown key instead of a confusing syntax error.
    // Each part must start where the source says it does: where Tomlyn found no part (or skipped a comment to find
    // one), the character there is what gets named. Returns the key and the offset just after it.
    private (string Key, int End) ReadKey(KeySyntax? key, int at, string? errorKey)
    {
        var sb = new StringBuilder();
        int end = ReadKeyPart(key?.Key, at, sb, errorKey);
        if (key is null)
        {
            return (sb.ToString(), end);
        }
        foreach (DottedKeyItemSyntax dotted in key.DotKeys)
        {
            int dot = SkipSpaces(end);
            if (At(dot) != '.')
            {
                throw ExpectedKeyName(dot, errorKey);
            }
            sb.Append('.');
            end = ReadKeyPart(dotted.Key, SkipSpaces(dot + 1), sb, errorKey);
        }
        return (sb.ToString(), end);
    }

    private int ReadKeyPart(BareKeyOrStringValueSyntax? part, int at, StringBuilder sb, string? errorKey)
    {
        char quote = At(at);
        if (quote is '"' or '\'' && At(at + 1) == quote && At(at + 2) == quote)
        {
            // Tomlyn reads ''' here as an empty key and a stray quote.
            throw MultiLineString(LineAt(at), errorKey, quote);
        }
        if (part is null || part.Span.Start.Offset != at)
        {
            throw ExpectedKeyName(at, errorKey);
        }
        switch (part)
        {
            case BareKeySyntax { Key: { } token } bare:
                sb.Append(token.Text);
                return bare.Span.End.Offset + 1;
            case StringValueSyntax quoted:
                int end = At(at) == '\'' ? CheckLiteralString(at, errorKey) : CheckBasicString(at, errorKey);
                sb.Append(quoted.Value);
                return end;
            default:
                throw ExpectedKeyName(at, errorKey);
        }
    }

    // ---- values ----

    // Reads the value Tomlyn parsed as `value`, which should start at offset `at`. Scalars are judged from their
    // source text so that a token Tomlyn split ("100ms" into 100 and ms) is explained whole. Returns the value and
    // the offset just after it.
    private (TomlValue Value, int End) ReadValue(TomlValueNode? value, int at, string path, bool insideArray)
    {
        int line = LineAt(at);
        char c = At(at);
        if (value is not null && value.Span.Start.Offset != at)
        {
            // Tomlyn's recovery skipped what is at `at`; explain that instead.
            value = null;
        }
        switch (c)
        {
            case '"':
                if (At(at + 1) == '"' && At(at + 2) == '"')
                {
                    throw MultiLineString(line, path, c);
                }
                int basicEnd = CheckBasicString(at, path);
                return value is StringValueSyntax basic ? (TomlValue.FromString(basic.Value ?? "", line), basicEnd) : throw Unexplained(path);
            case '\'':
                if (At(at + 1) == '\'' && At(at + 2) == '\'')
                {
                    throw MultiLineString(line, path, c);
                }
                int literalEnd = CheckLiteralString(at, path);
                return value is StringValueSyntax literal ? (TomlValue.FromString(literal.Value ?? "", line), literalEnd) : throw Unexplained(path);
            case '[':
                if (insideArray)
                {
                    throw Error(line, path, "nested arrays are not supported (expected strings or integers)");
                }
                return value is ArraySyntax array ? ReadArray(array, at, path) : throw Unexplained(path);
            case '{':
                throw Error(line, path, "inline tables { ... } are not supported (use a [table] section)");
        }
        if (at >= _text.Length || c is '\n' or '\r' or '#')
        {
            throw Error(line, path, $"missing value after '=' ({ValueHint})");
        }

        string token = BareToken(at);
        if (token.Length == 0)
        {
            throw Error(line, path, $"unexpected {Show(c)} ({ValueHint})");
        }
        int end = at + token.Length;
        if (token == "true")
        {
            return (TomlValue.FromBoolean(true, line), end);
        }
        if (token == "false")
        {
            return (TomlValue.FromBoolean(false, line), end);
        }
        if (TryParseInteger(token, out Int128 integer, out string? problem))
        {
            return (TomlValue.FromInteger(integer, line), end);
        }
        throw Error(line, path, problem ?? Classify(token));
    }

    // Tomlyn's items give the values; the commas, brackets, comments and line breaks between them are checked in
    // the source so that "[1 2]" or a missing ']' is named as such.
    private (TomlValue Value, int End) ReadArray(ArraySyntax array, int at, string path)
    {
        int line = LineAt(at);
        var items = new List<TomlValue>();
        int p = at + 1;
        foreach (ArrayItemSyntax item in array.Items)
        {
            p = SkipArraySpace(p, path, line);
            if (At(p) == ']')
            {
                break;
            }
            if (At(p) == ',')
            {
                throw Error(LineAt(p), path, "unexpected ',' in array (expected a value or ']')");
            }
            (TomlValue value, int end) = ReadValue(item.Value, p, path, insideArray: true);
            if (items.Count > 0 && items[0].Kind != value.Kind)
            {
                throw Error(value.Line, path,
                    $"array mixes {TomlValue.KindName(items[0].Kind)}s and {TomlValue.KindName(value.Kind)}s "
                    + "(all elements must have one type)");
            }
            items.Add(value);
            p = SkipArraySpace(end, path, line);
            if (At(p) == ',')
            {
                p++;
            }
            else if (At(p) != ']')
            {
                throw Error(LineAt(p), path, $"unexpected {Show(At(p))} in array (expected ',' or ']')");
            }
        }
        p = SkipArraySpace(p, path, line);
        if (At(p) == ']')
        {
            return (TomlValue.FromArray(items, line), p + 1);
        }
        if (At(p) == ',')
        {
            throw Error(LineAt(p), path, "unexpected ',' in array (expected a value or ']')");
        }
        // Tomlyn saw no further item, yet the array does not end here.
        throw Unexplained(path);
    }

    // Checks a basic string "..." in the source: closed on its line, no raw control characters, only the escapes
    // docs/configuration.md lists (Tomlyn follows TOML 1.1, which adds \xHH). Returns the offset after the closing
    // quote. The value itself is Tomlyn's decoding.
    private int CheckBasicString(int at, string? path)
    {
        int line = LineAt(at);
        int p = at + 1;
        while (true)
        {
            char c = At(p);
            if (p >= _text.Length || c is '\n' or '\r')
            {
                throw Error(line, path, "string is not closed (missing '\"' before the end of the line)");
            }
            p++;
            if (c == '"')
            {
                return p;
            }
            if (c == '\\')
            {
                p = CheckEscape(p, path, line);
            }
            else if (IsControl(c))
            {
                throw Error(line, path, $"{Show(c)} in a string (write it as an escape such as \\n or \\u0001)");
            }
        }
    }

    private int CheckEscape(int p, string? path, int line)
    {
        char e = At(p);
        if (p >= _text.Length || e is '\n' or '\r')
        {
            throw Error(line, path, "string is not closed (a '\\' at the end of the line)");
        }
        p++;
        switch (e)
        {
            case 'b' or 't' or 'n' or 'f' or 'r' or 'e' or '"' or '\\':
                return p;
            case 'u' or 'U':
                int length = e == 'u' ? 4 : 8;
                string hex = p + length <= _text.Length ? _text.Substring(p, length) : "";
                if (hex.Length != length || !hex.All(char.IsAsciiHexDigit)
                    || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
                    || !Rune.IsValid(code))
                {
                    throw Error(line, path, $"invalid escape \\{e}{hex} in a string (expected \\u and 4 or \\U and 8 hex digits "
                        + "naming a Unicode scalar value)");
                }
                return p + length;
            default:
                throw Error(line, path, $"invalid escape \\{e} in a string (valid escapes: \\\\ \\\" \\n \\t \\r \\b \\f \\e \\uXXXX "
                    + "\\UXXXXXXXX; for a Windows-style path use a literal string '...')");
        }
    }

    private int CheckLiteralString(int at, string? path)
    {
        int line = LineAt(at);
        int p = at + 1;
        while (true)
        {
            char c = At(p);
            if (p >= _text.Length || c is '\n' or '\r')
            {
                throw Error(line, path, "string is not closed (missing \"'\" before the end of the line)");
            }
            p++;
            if (c == '\'')
            {
                return p;
            }
            if (IsControl(c))
            {
                throw Error(line, path, $"{Show(c)} in a string (not allowed)");
            }
        }
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
    // prefixed. Values up to 2^64-1 are accepted (config_version is unsigned 64-bit, which Tomlyn's Int64 cannot
    // hold); each key checks its range.
    private static bool TryParseInteger(string token, out Int128 value, out string? problem)
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

    // ---- source text ----

    private char At(int p) => p >= 0 && p < _text.Length ? _text[p] : '\0';

    private int LineIndex(int offset)
    {
        int i = Array.BinarySearch(_lineStarts, Math.Clamp(offset, 0, _text.Length));
        return i >= 0 ? i : ~i - 1;
    }

    // 1-based, as in messages.
    private int LineAt(int offset) => LineIndex(offset) + 1;

    private string? TablePathOrNull() => _current.Path.Length == 0 ? null : _current.Path;

    private ConfigException Error(int line, string? key, string detail) => new(_source, line, key, detail);

    // Tomlyn's recovery left a node that does not match the source; its first error says why.
    private ConfigException Unexplained(string? key) => TomlynError(key);

    private ConfigException ExpectedKeyName(int p, string? key) =>
        Error(LineAt(p), key, $"expected a key name (letters, digits, '_' or '-'), found {Found(p)}");

    private ConfigException MultiLineString(int line, string? key, char quote) =>
        Error(line, key, quote == '"' ? "multi-line strings (\"\"\"...\"\"\") are not supported" : "multi-line strings ('''...''') are not supported");

    private ConfigException CarriageReturn(int p, string? key) =>
        Error(LineAt(p), key, "carriage return without a line feed (expected \\n or \\r\\n line endings)");

    private string Found(int p) =>
        p >= _text.Length || At(p) is '\n' or '\r' ? "the end of the line"
        : char.IsSurrogatePair(_text, p) ? $"'{_text.Substring(p, 2)}'"
        : Show(At(p));

    private int SkipSpaces(int p)
    {
        while (At(p) is ' ' or '\t')
        {
            p++;
        }
        return p;
    }

    // A bare value runs to the next space, comment, separator or quote.
    private string BareToken(int at)
    {
        int p = at;
        while (p < _text.Length && _text[p] is not (' ' or '\t' or '\n' or '\r' or '#' or ',' or ']' or '[' or '"' or '\''))
        {
            p++;
        }
        return _text[at..p];
    }

    // Skips a comment from '#' to the end of its line; returns the offset of the line break (or the end).
    private int SkipComment(int p)
    {
        while (p < _text.Length && _text[p] is not ('\n' or '\r'))
        {
            if (IsControl(_text[p]))
            {
                throw Error(LineAt(p), null, $"control character U+{(int)_text[p]:X4} in a comment");
            }
            p++;
        }
        return p;
    }

    // Consumes "\n" or "\r\n" at p; returns the offset after it.
    private int ReadNewline(int p, string? key)
    {
        if (At(p) == '\r')
        {
            if (At(p + 1) != '\n')
            {
                throw CarriageReturn(p, key);
            }
            p++;
        }
        return p + 1;
    }

    // After a header or a value only spaces and a comment may follow on the same line. Returns the offset of the
    // next line.
    private int ExpectEndOfLine(int p, string? key, string after)
    {
        p = SkipSpaces(p);
        if (At(p) == '#')
        {
            p = SkipComment(p);
        }
        if (p >= _text.Length)
        {
            return p;
        }
        if (At(p) is '\n' or '\r')
        {
            return ReadNewline(p, key);
        }
        throw Error(LineAt(p), key, $"unexpected {Show(At(p))} {after} (expected the end of the line; put each key on its own line)");
    }

    // Inside brackets newlines and comments are allowed, so arrays may span lines.
    private int SkipArraySpace(int p, string path, int arrayLine)
    {
        while (true)
        {
            p = SkipSpaces(p);
            if (p >= _text.Length)
            {
                throw Error(arrayLine, path, "array is not closed (missing ']')");
            }
            char c = _text[p];
            if (c == '#')
            {
                p = SkipComment(p);
            }
            else if (c is '\n' or '\r')
            {
                p = ReadNewline(p, path);
            }
            else
            {
                return p;
            }
        }
    }

    private static bool IsControl(char c) => c < 0x20 && c != '\t' || c == 0x7F;

    private static string Show(char c) => c switch
    {
        '\'' => "\"'\"",
        _ when c < 0x20 || c == 0x7F => string.Create(CultureInfo.InvariantCulture, $"control character U+{(int)c:X4}"),
        _ => $"'{c}'",
    };

    private static bool IsBareKeyChar(char c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-';
}
