using LocalRuntime.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>The app on a fake clock with a known signing secret and short, bounded delivery settings.</summary>
public sealed class CallbackAppHost : AppHost
{
    public const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected override void Configure(LocalFunctionsApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["Webhooks:Secrets"] = Secret,
            ["Webhooks:MaxAttempts"] = "3",
            ["Webhooks:InitialDelaySeconds"] = "2",
            ["Webhooks:MaxDelaySeconds"] = "10",
            ["Webhooks:TimeoutSeconds"] = "20",
        });
        builder.Services.AddSingleton<TimeProvider>(Clock);
    }
}
