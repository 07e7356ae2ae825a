using System.Globalization;

namespace Muster.Cli.Output;

internal enum Align
{
    Left,
    Right,
}

internal readonly record struct Column(string Header, Align Align = Align.Left);

// Aligned text columns, two spaces apart, with a header row; numbers are usually right-aligned. The last column is
// not padded, so no line ends in spaces.
internal sealed class TableWriter(params Column[] columns)
{
    private const string Gap = "  ";

    private readonly Column[] _columns = columns;
    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public void AddRow(params string[] cells)
    {
        if (cells.Length != _columns.Length)
        {
            throw new ArgumentException($"expected {_columns.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void Write(TextWriter output, string indent = "")
    {
        int[] widths = new int[_columns.Length];
        for (int c = 0; c < _columns.Length; c++)
        {
            widths[c] = Width(_columns[c].Header);
            foreach (var row in _rows)
            {
                widths[c] = Math.Max(widths[c], Width(row[c]));
            }
        }

        WriteLine(output, indent, widths, [.. _columns.Select(c => c.Header)]);
        foreach (var row in _rows)
        {
            WriteLine(output, indent, widths, row);
        }
    }

    // "Label:   value" lines with the values aligned, as corosync-quorumtool -s prints its summary.
    public static void WriteFields(TextWriter output, IReadOnlyList<(string Label, string Value)> fields, string indent = "")
    {
        int width = fields.Count == 0 ? 0 : fields.Max(f => Width(f.Label)) + 1;
        foreach (var (label, value) in fields)
        {
            output.Write(indent);
            output.Write(Pad(label + ":", width + 1, Align.Left));
            output.WriteLine(value);
        }
    }

    // A section title underlined with dashes, as the Corosync tools print theirs.
    public static void WriteHeading(TextWriter output, string title)
    {
        output.WriteLine(title);
        output.WriteLine(new string('-', Width(title)));
    }

    private void WriteLine(TextWriter output, string indent, int[] widths, string[] cells)
    {
        var line = new System.Text.StringBuilder(indent);
        for (int c = 0; c < cells.Length; c++)
        {
            bool last = c == cells.Length - 1;
            line.Append(last && _columns[c].Align == Align.Left ? cells[c] : Pad(cells[c], widths[c], _columns[c].Align));
            if (!last)
            {
                line.Append(Gap);
            }
        }

        output.WriteLine(line.ToString().TrimEnd());
    }

    private static string Pad(string text, int width, Align align)
    {
        int padding = Math.Max(0, width - Width(text));
        return align == Align.Right ? new string(' ', padding) + text : text + new string(' ', padding);
    }

    // Width in user-perceived characters, so names with accents or combining marks still line up.
    private static int Width(string text) => new StringInfo(text).LengthInTextElements;
}
