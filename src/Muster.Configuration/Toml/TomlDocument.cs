using System.Globalization;

namespace Muster.Configuration.Toml;

internal enum TomlValueKind
{
    String,
    Integer,
    Boolean,
    Array,
}

// One parsed value with the line it started on. Integers are kept as Int128 so both the signed TOML range and
// config_version's unsigned 64-bit range fit; each key checks its own range.
internal sealed class TomlValue
{
    private TomlValue(TomlValueKind kind, int line)
    {
        Kind = kind;
        Line = line;
    }

    public TomlValueKind Kind { get; }
    public int Line { get; }
    public string String { get; private init; } = "";
    public Int128 Integer { get; private init; }
    public bool Boolean { get; private init; }
    public IReadOnlyList<TomlValue> Items { get; private init; } = [];

    public static TomlValue FromString(string value, int line) => new(TomlValueKind.String, line) { String = value };
    public static TomlValue FromInteger(Int128 value, int line) => new(TomlValueKind.Integer, line) { Integer = value };
    public static TomlValue FromBoolean(bool value, int line) => new(TomlValueKind.Boolean, line) { Boolean = value };
    public static TomlValue FromArray(IReadOnlyList<TomlValue> items, int line) => new(TomlValueKind.Array, line) { Items = items };

    // For "found ..." in type errors: says what the file actually contains.
    public string Describe() => Kind switch
    {
        TomlValueKind.String => "the string " + Quote(String),
        TomlValueKind.Integer => "the integer " + Integer.ToString(CultureInfo.InvariantCulture),
        TomlValueKind.Boolean => Boolean ? "the boolean true" : "the boolean false",
        _ when Items.Count == 0 => "an empty array",
        _ => $"an array of {KindName(Items[0].Kind)}s",
    };

    public static string KindName(TomlValueKind kind) => kind switch
    {
        TomlValueKind.String => "string",
        TomlValueKind.Integer => "integer",
        TomlValueKind.Boolean => "boolean",
        _ => "array",
    };

    // Quotes a string the way it would appear in the file, so messages show exactly what to look for.
    public static string Quote(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x7F)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }
}

internal readonly record struct TomlEntry(string Key, int Line, TomlValue Value);

// A [table], one [[array]] element, or the root (keys before the first header). Entries keep file order.
internal sealed class TomlTable
{
    private readonly List<TomlEntry> _entries = [];
    private readonly Dictionary<string, TomlEntry> _byKey = new(StringComparer.Ordinal);

    public TomlTable(string name, string path, int line, bool isArrayElement)
    {
        Name = name;
        Path = path;
        Line = line;
        IsArrayElement = isArrayElement;
    }

    // Header name ("cluster", "node"); empty for the root.
    public string Name { get; }

    // Name used in messages: "cluster", "node[2]"; empty for the root.
    public string Path { get; }

    // Line of the header; 0 for the root.
    public int Line { get; }

    public bool IsArrayElement { get; }

    public IReadOnlyList<TomlEntry> Entries => _entries;

    public string KeyPath(string key) => Path.Length == 0 ? key : Path + "." + key;

    public bool TryAdd(TomlEntry entry, out TomlEntry existing)
    {
        if (_byKey.TryGetValue(entry.Key, out existing))
        {
            return false;
        }
        _byKey.Add(entry.Key, entry);
        _entries.Add(entry);
        return true;
    }

    public bool TryGet(string key, out TomlEntry entry) => _byKey.TryGetValue(key, out entry);
}

internal sealed class TomlDocument
{
    public TomlDocument(TomlTable root, IReadOnlyList<TomlTable> tables)
    {
        Root = root;
        Tables = tables;
    }

    public TomlTable Root { get; }

    // Every table and array-of-tables element in file order (the root excluded).
    public IReadOnlyList<TomlTable> Tables { get; }
}
