using System.Text;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Domain.Webhooks;

namespace ServerlessTasks.Webhooks.Tests;

/// <summary>The receiver-side helper clients use: the published vector, and what it must reject.</summary>
public sealed class StandardWebhooksTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Timestamp = "1614265330";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static FakeTimeProvider At(long seconds) => new(DateTimeOffset.FromUnixTimeSeconds(seconds));

    [Fact]
    public void Verify_PublishedVector_IsValid() =>
        Assert.True(StandardWebhooks.IsValid(Secret, Id, Timestamp, Signature, Body, At(1614265330 + 10)));

    [Fact]
    public void Verify_RotationWithNewSecretFirst_IsValid() =>
        Assert.True(StandardWebhooks.IsValid($"{WebhookSecret.CreateRandom().Reveal()}, {Secret}", Id, Timestamp, Signature, Body, At(1614265330)));

    [Fact]
    public void Verify_TamperedBody_IsRejected() =>
        Assert.Equal(
            WebhookVerificationStatus.NoMatchingSignature,
            StandardWebhooks.Verify(Secret, Id, Timestamp, Signature, Encoding.UTF8.GetBytes("""{"test": 2432232315}"""), At(1614265330)).Status);

    [Fact]
    public void Verify_WrongSecret_IsRejected() =>
        Assert.Equal(
            WebhookVerificationStatus.NoMatchingSignature,
            StandardWebhooks.Verify(WebhookSecret.CreateRandom().Reveal(), Id, Timestamp, Signature, Body, At(1614265330)).Status);

    [Fact]
    public void Verify_StaleTimestamp_IsRejected() =>
        Assert.Equal(WebhookVerificationStatus.TimestampTooOld, StandardWebhooks.Verify(Secret, Id, Timestamp, Signature, Body, At(1614265330 + 301)).Status);

    [Fact]
    public void Verify_OtherWebhookId_IsRejected() =>
        Assert.False(StandardWebhooks.IsValid(Secret, "msg_other", Timestamp, Signature, Body, At(1614265330)));
}
