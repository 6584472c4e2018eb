using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Domain.Webhooks;
using PackageWebhook = global::StandardWebhooks.StandardWebhook;

namespace ServerlessTasks.Webhooks.Tests;

/// <summary>
/// Our Standard Webhooks signer and verifier beside the StandardWebhooks package (Codefactors, 1.1.2): the same
/// signatures on the published vector and on our deliveries, and where they differ (rotation, the clock).
/// </summary>
public sealed class StandardWebhooksPackageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = """{"test": 2432232314}""";
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static HeaderDictionary Headers(WebhookHeaders headers) => new()
    {
        [WebhookHeaders.IdHeader] = headers.Id,
        [WebhookHeaders.TimestampHeader] = headers.Timestamp,
        [WebhookHeaders.SignatureHeader] = headers.Signature,
    };

    [Fact]
    public void Sign_PublishedVector_BothGiveTheSpecsSignature()
    {
        Assert.Equal(Signature, new PackageWebhook(Secret).Sign(Id, DateTimeOffset.FromUnixTimeSeconds(Timestamp), Body));
        Assert.Equal(Signature, new WebhookSigner(Secret).Sign(Id, Timestamp, Encoding.UTF8.GetBytes(Body)));
    }

    [Fact]
    public void Verify_OurDeliveryWithOneSecret_PackageAccepts_AndOursAcceptsThePackages()
    {
        var now = DateTimeOffset.UtcNow; // the package verifies against the wall clock only
        var ours = new WebhookSigner(Secret).CreateHeaders("msg_1", now, Body);
        new PackageWebhook(Secret).Verify(Body, Headers(ours)); // throws when it does not verify

        var theirs = new PackageWebhook(Secret).Sign("msg_2", now, Body);
        var verifier = new WebhookVerifier([WebhookSecret.Parse(Secret)], new FakeTimeProvider(now));
        Assert.Equal(WebhookVerificationStatus.Valid, verifier.Verify("msg_2", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), theirs, Body).Status);
    }

    [Fact]
    public void Verify_RotationReceiverWithTheOldSecret_OursAccepts_PackageRejectsTheLastSignature()
    {
        // During a rotation we sign with the new secret first and the old one second; a receiver not yet moved holds the old one.
        var fresh = WebhookSecret.CreateRandom().Reveal();
        var now = DateTimeOffset.UtcNow;
        var headers = new WebhookSigner(fresh, Secret).CreateHeaders("msg_3", now, Body);
        Assert.Equal(2, headers.Signature.Split(' ').Length);

        var verifier = new WebhookVerifier([WebhookSecret.Parse(Secret)], new FakeTimeProvider(now));
        Assert.Equal(WebhookVerificationStatus.Valid, verifier.Verify(headers.Id, headers.Timestamp, headers.Signature, Body).Status);
        new PackageWebhook(fresh).Verify(Body, Headers(headers)); // the first signature: accepted
        var rejected = Record.Exception(() => new PackageWebhook(Secret).Verify(Body, Headers(headers)));
        output.WriteLine($"package, old secret, signature second: {rejected?.Message ?? "accepted"}");
        Assert.NotNull(rejected); // its loop ends before the last space-separated signature
    }

    [Fact]
    public void Verify_FakeClock_OursFollowsTheTimeProvider_PackageReadsTheWallClock()
    {
        var sent = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
        var verifier = new WebhookVerifier([WebhookSecret.Parse(Secret)], new FakeTimeProvider(sent.AddSeconds(10)));
        Assert.Equal(WebhookVerificationStatus.Valid, verifier.Verify(Id, Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), Signature, Body).Status);
        var headers = new WebhookHeaders(Id, Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), Signature);
        Assert.NotNull(Record.Exception(() => new PackageWebhook(Secret).Verify(Body, Headers(headers)))); // "too old" against today
    }
}
