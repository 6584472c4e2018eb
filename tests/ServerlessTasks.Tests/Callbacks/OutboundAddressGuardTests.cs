using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Callbacks;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The SSRF guard where DNS answers matter, on the app's own classes with scripted answers: a real worker resolves with
/// real DNS, which a test cannot point at private addresses, nor change between submit and send (rebinding).
/// <see cref="CallbackSsrfTests"/> covers every literal form end to end through the production app.
/// </summary>
public sealed class OutboundAddressGuardTests
{
    private readonly ScriptedResolver _resolver = new();

    private OutboundAddressGuard Production => new(allowLoopback: false, _resolver);

    public static TheoryData<string, string, string> RefusedNames() => new()
    {
        { "private.example.test", "10.1.2.3", "10.1.2.3" },
        { "metadata.example.test", "93.184.216.34,169.254.169.254", "169.254.169.254" },
        { "mapped.example.test", "::ffff:192.168.0.1", "192.168.0.1" },
    };

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public async Task SubmitCheck_NameResolvingToARefusedAddress_Is422NamingTheAddress(string host, string answer, string named)
    {
        _resolver.Script(host, [.. answer.Split(',').Select(IPAddress.Parse)]);

        var problem = await CallbackProblems.CheckAsync(Production, new CallbackSpec($"http://{host}/hook"), [], CancellationToken.None);

        var content = Assert.IsType<ContentResult>(problem);
        Assert.Equal(422, content.StatusCode);
        var body = JsonDocument.Parse(content.Content!).RootElement;
        Assert.Equal("invalid_callback", body.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Contains(named, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("callback", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitCheck_NameResolvingToPublicAddresses_IsAllowed()
    {
        _resolver.Script("public.example.test", [IPAddress.Parse("93.184.216.34")]);

        Assert.Null(await Production.FindProblemAsync("http://public.example.test/hook", CancellationToken.None));
    }

    [Fact]
    public async Task Send_NameRebindsToLoopbackAfterSubmit_IsRefusedOnTheResolvedAddress()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = $"rebind-{Guid.NewGuid():N}.example.test";
        // Public when the submission is checked, loopback (where the receiver listens) when the delivery connects.
        _resolver.Script(host, [IPAddress.Parse("93.184.216.34")], [IPAddress.Loopback]);
        var url = $"http://{host}:{receiver.BaseUrl.Port}/hook";
        var guard = Production;
        Assert.Null(await guard.FindProblemAsync(url, CancellationToken.None));

        using var http = new HttpClient(guard.CreateHandler());
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(url, new StringContent("{}")));

        var refused = Assert.IsType<OutboundAddressRefusedException>(failure.InnerException);
        Assert.Contains("Refused to connect", refused.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }
}
