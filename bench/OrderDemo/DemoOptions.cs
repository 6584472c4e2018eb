using System.Globalization;

namespace OrderDemo;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
internal sealed record DemoOptions
{
    public const string Usage = """
        OrderDemo: submits orders over HTTP and reports what became of them.
          --url URL              target a running service (default: start the host exe here, loopback, temp data folder)
          --orders N             orders to submit (default 1000)
          --rate R               orders per second (default 40)
          --vip-share F          share of VIP orders, 0-1 (default 0.1)
          --failure-rate F       share of gateway calls that fail, 0-1 (default 0.2; half of them after charging)
          --outage-at S          a gateway outage starts S seconds into the submission (default 10; -1: none)
          --outage-seconds S     its length (default 10)
          --undeliverable-share F share of orders with a SKU the carrier refuses (shipping compensation; default 0.005)
          --kill-host-at S       kill -9 the host S seconds into the submission, then restart it on the same data
          --store sqlite|azurestorage  the host's Durable backend (azurestorage: Azurite must be running)
          --pool-capacity N      put the gateway behind the resource pool 'payment-gateway' of capacity N (0: no pool)
          --timeout S            give up waiting for orders after S seconds past the last submission (default 600)
          --out FOLDER           write orders.csv, summary.json and latency.png there
          --seed N               random seed (default 1)
          --raw                  the baseline instead: the same orders' provider calls in this process, nothing durable
          --app FOLDER           the app's build output to run (default: this build's bin/<configuration>; for A/B runs)
        """;

    public Uri? Url { get; init; }

    public int Orders { get; init; } = 1000;

    public double Rate { get; init; } = 40;

    public double VipShare { get; init; } = 0.1;

    public double FailureRate { get; init; } = 0.2;

    public double OutageAt { get; init; } = 10;

    public double OutageSeconds { get; init; } = 10;

    public double UndeliverableShare { get; init; } = 0.005;

    public double? KillHostAt { get; init; }

    public string Store { get; init; } = "sqlite";

    public int PoolCapacity { get; init; }

    public double TimeoutSeconds { get; init; } = 600;

    public string? Out { get; init; }

    public int Seed { get; init; } = 1;

    public bool Raw { get; init; }

    public string? App { get; init; }

    public static DemoOptions Parse(string[] args)
    {
        var options = new DemoOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--url" => options with { Url = new Uri(Next()) },
                "--orders" => options with { Orders = (int)Number() },
                "--rate" => options with { Rate = Number() },
                "--vip-share" => options with { VipShare = Number() },
                "--failure-rate" => options with { FailureRate = Number() },
                "--outage-at" => options with { OutageAt = Number() },
                "--outage-seconds" => options with { OutageSeconds = Number() },
                "--undeliverable-share" => options with { UndeliverableShare = Number() },
                "--kill-host-at" => options with { KillHostAt = Number() },
                "--store" => options with { Store = Next() },
                "--pool-capacity" => options with { PoolCapacity = (int)Number() },
                "--timeout" => options with { TimeoutSeconds = Number() },
                "--out" => options with { Out = Next() },
                "--seed" => options with { Seed = (int)Number() },
                "--raw" => options with { Raw = true },
                "--app" => options with { App = Path.GetFullPath(Next()) + Path.DirectorySeparatorChar },
                _ => throw new ArgumentException($"Unknown option {args[i]}.{Environment.NewLine}{Usage}"),
            };
        }

        if (options.Store is not ("sqlite" or "azurestorage"))
        {
            throw new ArgumentException("--store is sqlite or azurestorage.");
        }

        if (options.Url is not null && options.KillHostAt is not null)
        {
            throw new ArgumentException("--kill-host-at needs the host started here (no --url).");
        }

        return options;
    }
}
