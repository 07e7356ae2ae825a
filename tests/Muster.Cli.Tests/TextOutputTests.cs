using Muster.Cli.Output;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Tests;

public sealed class TextOutputTests
{
    [Fact]
    public void Status_has_a_section_per_topic()
    {
        var output = new StringWriter { NewLine = "\n" };

        TextOutput.Status(output, Samples.Status(), Samples.Keys());

        Assert.Equal(
            """
            Node information
            ----------------
            Node ID:          1
            Node name:        alpha
            Cluster name:     prod
            View ID:          1.1c
            State:            operational
            Protocol version: 1
            Encryption:       on (AES-256-GCM)

            Membership information (3 members)
            ----------------------------------
            NODE ID  NAME           INCARNATION  ADDRESSES
                  1  alpha (local)            4  10.0.0.1:5405, 192.168.1.1:5405
                  2  beta                    12  10.0.0.2:5405
                  3  gamma                    1  -

            Timeouts
            --------
            NAME         VALUE
            token      1000 ms
            consensus  1200 ms
            join        0.5 ms

            Counters
            --------
            NAME           VALUE
            messages_sent     42
            view_changes       3

            Peers (2 peers)
            ---------------
            NODE ID  NAME   DECLARED FAILED WHILE LINK UP
                  2  beta                               0
                  3  gamma                              2

            Keys (1 key)
            ------------
            FINGERPRINT  ROLE     SOURCE
            aaaaaaaa     current  /etc/muster/authkey

            """.ReplaceLineEndings("\n"),
            output.ToString());
    }

    [Fact]
    public void Status_from_a_daemon_without_peer_counters_has_no_peers_section()
    {
        var output = new StringWriter { NewLine = "\n" };

        TextOutput.Status(output, Samples.Status() with { Peers = null }, Samples.Keys());

        Assert.DoesNotContain("Peers", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("view_changes       3\n\nKeys (1 key)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Status_peer_table_has_a_column_per_counter_and_a_dash_where_a_peer_lacks_one()
    {
        var output = new StringWriter { NewLine = "\n" };
        var status = Samples.Status() with
        {
            Peers = [new PeerCounters(new NodeId(2), "beta", [new("a_b", 1)]), new PeerCounters(new NodeId(3), "gamma", [new("c", 7)])],
        };

        TextOutput.Status(output, status, keys: null);

        Assert.EndsWith(
            """
            Peers (2 peers)
            ---------------
            NODE ID  NAME   A B  C
                  2  beta     1  -
                  3  gamma    -  7

            """.ReplaceLineEndings("\n"),
            output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Status_without_a_view_says_so()
    {
        var output = new StringWriter { NewLine = "\n" };

        TextOutput.Status(output, Samples.Status(ViewId.None), Samples.Keys());

        string text = output.ToString();
        Assert.Contains("View ID:          none\n", text, StringComparison.Ordinal);
        Assert.Contains("State:            joining\n", text, StringComparison.Ordinal);
        Assert.Contains("Membership information (0 members)\n----------------------------------\nno view installed yet\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Nodes_is_one_table()
    {
        var output = new StringWriter { NewLine = "\n" };

        TextOutput.Nodes(output, Samples.ClusterView(), Samples.LocalNode);

        Assert.Equal(
            """
            View 1.1c: 3 nodes
            NODE ID  NAME           INCARNATION  STATE    ADDRESSES                        JOINED IN
                  1  alpha (local)            4  member   10.0.0.1:5405, 192.168.1.1:5405  1.1a
                  2  beta                    12  member   10.0.0.2:5405                    1.1c
                  3  gamma                    1  leaving  -                                -

            """.ReplaceLineEndings("\n"),
            output.ToString());
    }

    [Fact]
    public void Groups_with_counts_and_one_group_with_its_processes()
    {
        var list = new StringWriter { NewLine = "\n" };
        var one = new StringWriter { NewLine = "\n" };
        var none = new StringWriter { NewLine = "\n" };

        TextOutput.Groups(list, [new GroupSummary("chat", 2), new GroupSummary("locks", 12)]);
        TextOutput.GroupMembers(one, "chat", [new(new NodeId(1), 100), new(new NodeId(2), 1234)]);
        TextOutput.Groups(none, []);

        Assert.Equal("GROUP  MEMBERS\nchat         2\nlocks       12\n", list.ToString());
        Assert.Equal("Group chat: 2 members\nNODE ID   PID\n      1   100\n      2  1234\n", one.ToString());
        Assert.Equal("no process groups\n", none.ToString());
    }

    [Fact]
    public void A_membership_change_is_one_line()
    {
        var change = new GroupMembershipChange("chat", Samples.View,
            [new(new NodeId(1), 100), new(new NodeId(2), 1234)],
            [new(new(new NodeId(2), 1234), GroupChangeReason.Join)],
            [new(new(new NodeId(3), 99), GroupChangeReason.NodeDown)]);

        Assert.Equal("view 1.1c: joined 2/1234 (join); left 3/99 (node down); members: 1/100 2/1234", TextOutput.Event(change));
    }

    [Fact]
    public void A_change_lists_only_what_happened()
    {
        var left = new GroupMembershipChange("chat", Samples.View, [],
            [], [new(new(new NodeId(1), 7), GroupChangeReason.ProcessDown), new(new(new NodeId(1), 8), GroupChangeReason.Leave)]);

        Assert.Equal("view 1.1c: left 1/7 (process down), 1/8 (leave); members: (none)", TextOutput.Event(left));
    }

    [Fact]
    public void A_message_is_its_sender_and_text_on_one_line()
    {
        var message = new GroupMessage("chat", new(new NodeId(2), 1234), "hello\tworld\r\nbye\u0007"u8.ToArray());

        Assert.Equal("[2/1234] hello\\tworld\\r\\nbye\\x07", TextOutput.Event(message));
    }

    [Fact]
    public void A_binary_message_is_its_length_and_hex()
    {
        var message = new GroupMessage("chat", new(new NodeId(2), 1234), new byte[] { 0xde, 0xad, 0xbe, 0xef, 0xff });

        Assert.Equal("[2/1234] (5 bytes, not UTF-8) deadbeefff", TextOutput.Event(message));
    }

    [Fact]
    public void A_long_binary_message_is_cut_in_text_output()
    {
        byte[] payload = new byte[100];
        payload[0] = 0xff;

        string line = TextOutput.Payload(payload);

        Assert.StartsWith("(100 bytes, not UTF-8) ff00", line, StringComparison.Ordinal);
        Assert.EndsWith("...", line, StringComparison.Ordinal);
        Assert.Equal("(100 bytes, not UTF-8) ".Length + 128 + 3, line.Length);
    }

    [Fact]
    public void An_empty_message_is_an_empty_text()
    {
        Assert.Equal("[1/5] ", TextOutput.Event(new GroupMessage("chat", new(new NodeId(1), 5), ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void Status_with_encryption_off_says_so_and_has_no_keys_section()
    {
        var output = new StringWriter { NewLine = "\n" };

        TextOutput.Status(output, Samples.Status(), new ClusterKeys(false, [], string.Empty));

        string text = output.ToString();
        Assert.Contains("Encryption:       off (security.crypto = \"none\")", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Keys (", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_from_a_daemon_without_keys_says_unknown()
    {
        var output = new StringWriter { NewLine = "\n" };

        TextOutput.Status(output, Samples.Status(), keys: null);

        Assert.Contains("Encryption:       unknown (musterd did not report its keys)\n", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_lists_every_role_and_escapes_the_source()
    {
        var output = new StringWriter { NewLine = "\n" };
        var keys = new ClusterKeys(true,
        [
            new KeyInfo(0xbbbbbbbb, KeyRole.Current, "/etc/muster/authkey"),
            new KeyInfo(0x0000000a, KeyRole.Previous, "/etc/muster/old\nkey"),
        ], "ignored here");

        TextOutput.Keys(output, keys);

        Assert.Equal(
            """
            Encryption: on (AES-256-GCM)

            FINGERPRINT  ROLE      SOURCE
            bbbbbbbb     current   /etc/muster/authkey
            0000000a     previous  /etc/muster/old\nkey

            """.ReplaceLineEndings("\n"),
            output.ToString());
    }
}
