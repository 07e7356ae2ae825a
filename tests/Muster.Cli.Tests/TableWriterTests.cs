using Muster.Cli.Output;

namespace Muster.Cli.Tests;

public sealed class TableWriterTests
{
    [Fact]
    public void Columns_are_aligned_two_spaces_apart_with_right_aligned_numbers()
    {
        var table = new TableWriter(new Column("NODE ID", Align.Right), new Column("NAME"), new Column("ADDRESSES"));
        table.AddRow("1", "alpha", "10.0.0.1:5405");
        table.AddRow("12", "b", "10.0.0.2:5405, 10.1.0.2:5405");
        var output = new StringWriter { NewLine = "\n" };

        table.Write(output);

        Assert.Equal(
            "NODE ID  NAME   ADDRESSES\n"
            + "      1  alpha  10.0.0.1:5405\n"
            + "     12  b      10.0.0.2:5405, 10.1.0.2:5405\n",
            output.ToString());
    }

    [Fact]
    public void No_line_ends_in_spaces()
    {
        var table = new TableWriter(new Column("A"), new Column("B"));
        table.AddRow("long value", string.Empty);
        table.AddRow("x", "y");
        var output = new StringWriter { NewLine = "\n" };

        table.Write(output);

        Assert.All(output.ToString().Split('\n'), line => Assert.Equal(line.TrimEnd(), line));
        Assert.Equal("A           B\nlong value\nx           y\n", output.ToString());
    }

    [Fact]
    public void A_right_aligned_last_column_lines_up_under_its_header()
    {
        var table = new TableWriter(new Column("NAME"), new Column("VALUE", Align.Right));
        table.AddRow("messages_sent", "42");
        table.AddRow("view_changes", "123456");
        var output = new StringWriter { NewLine = "\n" };

        table.Write(output, indent: "  ");

        Assert.Equal(
            "  NAME            VALUE\n"
            + "  messages_sent      42\n"
            + "  view_changes   123456\n",
            output.ToString());
    }

    [Fact]
    public void A_table_without_rows_prints_its_header()
    {
        var table = new TableWriter(new Column("GROUP"), new Column("MEMBERS", Align.Right));
        var output = new StringWriter { NewLine = "\n" };

        table.Write(output);

        Assert.Equal(0, table.RowCount);
        Assert.Equal("GROUP  MEMBERS\n", output.ToString());
    }

    [Fact]
    public void Widths_count_characters_not_UTF16_units()
    {
        // "é" written as e + combining accent is two chars but one character on screen.
        var table = new TableWriter(new Column("NAME"), new Column("ID", Align.Right));
        table.AddRow("ne\u0301", "1");
        table.AddRow("node", "2");
        var output = new StringWriter { NewLine = "\n" };

        table.Write(output);

        Assert.Equal("NAME  ID\nne\u0301     1\nnode   2\n", output.ToString());
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_cells_is_refused()
    {
        var table = new TableWriter(new Column("A"), new Column("B"));

        Assert.Throws<ArgumentException>(() => table.AddRow("only one"));
    }

    [Fact]
    public void Fields_align_their_values()
    {
        var output = new StringWriter { NewLine = "\n" };

        TableWriter.WriteFields(output, [("Node ID", "1"), ("Protocol version", "2"), ("State", "operational")]);

        Assert.Equal(
            "Node ID:          1\n"
            + "Protocol version: 2\n"
            + "State:            operational\n",
            output.ToString());
    }

    [Fact]
    public void Headings_are_underlined()
    {
        var output = new StringWriter { NewLine = "\n" };

        TableWriter.WriteHeading(output, "Counters");

        Assert.Equal("Counters\n--------\n", output.ToString());
    }
}
