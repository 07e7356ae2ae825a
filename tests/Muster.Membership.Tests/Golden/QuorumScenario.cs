using System.Globalization;
using Muster.Core;
using Muster.Node.Quorum;

namespace Muster.Membership.Tests.Golden;

/// <summary>
/// Runs one golden quorum scenario (<c>Golden/quorum/*.scenario</c>, in the spirit of Pacemaker's
/// <c>cts/scheduler</c>): settings in, a sequence of inputs to the pure quorum decision logic (views, time,
/// operator changes), and after each the expected state. Format, one step per line (<c>#</c> starts a comment):
/// <code>
/// nodes 1 2 3:2                 node ids, with votes after a colon (default 1)
/// option two_node | wait_for_all=false | expected_votes=5 | last_man_standing | lms_window=20s
///        auto_tie_breaker=lowest|highest|2,3 | allow_downscale | arbiter | tie_breaker_node_alone
/// refused TEXT                  the options check refuses, with an error containing TEXT (ends the scenario)
/// warned TEXT                   the options check warns, with a warning containing TEXT
/// view 1 2 [at 5s] [clean 1]    a view of these members, at a time, with the votes of nodes that left cleanly
/// time 15s                      the clock reaches this time
/// adopt N | expected N | votes NODE N | unblock
/// expect quorate|inquorate [total=N] [expected=N] [quorum=N] [waiting] [reason=NAME]
/// </code>
/// </summary>
internal static class QuorumScenario
{
    public static void Run(string path)
    {
        var votes = new Dictionary<NodeId, int>();
        var options = new QuorumOptions(votes);
        QuorumTracker? tracker = null;
        QuorumOptionsVerdict? verdict = null;
        var now = Instant.Zero;
        int lineNo = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Split('#', 2)[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string where = $"{Path.GetFileName(path)}:{lineNo}: {line}";
            // The options are checked once, at the first step that needs them: settings after that would be ignored.
            Assert.False(verdict is not null && w[0] is "nodes" or "option", $"{where}: settings must come before the first check or step");
            switch (w[0])
            {
                case "nodes":
                    foreach (string n in w.Skip(1))
                    {
                        string[] p = n.Split(':');
                        votes[new NodeId(uint.Parse(p[0], CultureInfo.InvariantCulture))] = p.Length > 1 ? int.Parse(p[1], CultureInfo.InvariantCulture) : 1;
                    }

                    break;
                case "option":
                    options = ApplyOption(options, w[1], where);
                    break;
                case "refused":
                case "warned":
                    verdict ??= QuorumOptionsCheck.Check(options with { Votes = votes });
                    string text = line[(w[0].Length + 1)..];
                    var list = w[0] == "refused" ? verdict.Errors : verdict.Warnings;
                    Assert.True(list.Any(e => e.Contains(text, StringComparison.Ordinal)),
                        $"{where}\n  errors: [{string.Join(" | ", verdict.Errors)}]\n  warnings: [{string.Join(" | ", verdict.Warnings)}]");
                    if (w[0] == "refused")
                    {
                        Assert.Null(verdict.Effective);
                        return;
                    }

                    break;
                default:
                    tracker ??= Start(options with { Votes = votes }, ref verdict, where);
                    Step(tracker, w, ref now, where);
                    break;
            }
        }

        Assert.True(tracker is not null || verdict is not null, $"{path}: the scenario checks nothing");
    }

    private static QuorumTracker Start(QuorumOptions options, ref QuorumOptionsVerdict? verdict, string where)
    {
        verdict ??= QuorumOptionsCheck.Check(options);
        Assert.True(verdict.Effective is not null, $"{where}: the options were refused: {string.Join(" | ", verdict.Errors)}");
        return new QuorumTracker(verdict.Effective);
    }

    private static void Step(QuorumTracker tracker, string[] w, ref Instant now, string where)
    {
        switch (w[0])
        {
            case "view":
            {
                var members = new List<NodeId>();
                int clean = 0;
                for (int k = 1; k < w.Length; k++)
                {
                    if (w[k] == "at")
                    {
                        now = Instant.Zero + Duration(w[++k]);
                    }
                    else if (w[k] == "clean")
                    {
                        clean = Int(w[++k]);
                    }
                    else
                    {
                        members.Add(new NodeId((uint)Int(w[k])));
                    }
                }

                tracker.OnView(members, now, clean);
                break;
            }

            case "time":
                now = Instant.Zero + Duration(w[1]);
                tracker.OnTime(now);
                break;
            case "adopt":
                tracker.AdoptExpectedVotes(Int(w[1]));
                break;
            case "expected":
                tracker.SetExpectedVotes(Int(w[1]));
                break;
            case "votes":
                tracker.SetVotes(new NodeId((uint)Int(w[1])), Int(w[2]));
                break;
            case "unblock":
                tracker.CancelWaitForAll();
                break;
            case "expect":
                Expect(tracker.Status, w, where);
                break;
            default:
                Assert.Fail($"{where}: unknown step '{w[0]}'");
                break;
        }
    }

    private static void Expect(QuorumStatus s, string[] w, string where)
    {
        string actual = $"{(s.Quorate ? "quorate" : "inquorate")} total={s.TotalVotes} expected={s.ExpectedVotes} quorum={s.Quorum}"
            + $"{(s.WaitingForAll ? " waiting" : "")} reason={s.Reason}";
        bool waitingExpected = w.Contains("waiting");
        bool ok = (w[1] == "quorate") == s.Quorate && waitingExpected == s.WaitingForAll;
        foreach (string item in w.Skip(2).Where(x => x.Contains('=')))
        {
            string[] kv = item.Split('=');
            ok &= kv[0] switch
            {
                "total" => s.TotalVotes == Int(kv[1]),
                "expected" => s.ExpectedVotes == Int(kv[1]),
                "quorum" => s.Quorum == Int(kv[1]),
                "reason" => s.Reason.ToString() == kv[1],
                _ => throw new InvalidOperationException($"{where}: unknown expectation '{kv[0]}'"),
            };
        }

        Assert.True(ok, $"{where}\n  actual: {actual}");
    }

    private static QuorumOptions ApplyOption(QuorumOptions o, string option, string where)
    {
        string[] kv = option.Split('=', 2);
        string? value = kv.Length > 1 ? kv[1] : null;
        return kv[0] switch
        {
            "two_node" => o with { TwoNode = true },
            "wait_for_all" => o with { WaitForAll = value != "false" },
            "expected_votes" => o with { ExpectedVotes = Int(value!) },
            "last_man_standing" => o with { LastManStanding = true },
            "lms_window" => o with { LastManStandingWindow = Duration(value!) },
            "auto_tie_breaker" => o with
            {
                AutoTieBreaker = value switch
                {
                    null or "lowest" => TieBreaker.Lowest,
                    "highest" => TieBreaker.Highest,
                    _ => new TieBreaker(TieBreakerKind.List, [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => new NodeId((uint)Int(n)))]),
                },
            },
            "allow_downscale" => o with { AllowDownscale = true },
            "arbiter" => o with { Arbiter = true },
            "tie_breaker_node_alone" => o with { TieBreakerNodeWithoutAutoTieBreaker = true },
            _ => throw new InvalidOperationException($"{where}: unknown option '{kv[0]}'"),
        };
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static TimeSpan Duration(string s) =>
        s.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(Int(s[..^2]))
        : s.EndsWith('s') ? TimeSpan.FromSeconds(Int(s[..^1])) : throw new FormatException($"'{s}' is not a duration like 5s or 300ms");
}
