using System.Text;
using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Domain.Webhooks;

namespace ServerlessTasks.Domain.Tests.Webhooks;

public class WebhookSigningTests
{
    // The published Standard Webhooks test vector.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Timestamp = "1614265330";
    private const string Body = "{\"test\": 2432232314}";
    private const string ExpectedSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    private static WebhookVerifier Verifier(DateTimeOffset now, params string[] secrets) =>
        new(secrets.Select(WebhookSecret.Parse), new FakeTimeProvider(now));

    [Fact]
    public void CreateHeaders_PublishedVector_ExactSignature()
    {
        var headers = new WebhookSigner(Secret).CreateHeaders(MessageId, SentAt, Body);

        Assert.Equal(new WebhookHeaders(MessageId, Timestamp, ExpectedSignature), headers);
        Assert.Equal(
            [
                new("webhook-id", MessageId),
                new("webhook-timestamp", Timestamp),
                new KeyValuePair<string, string>("webhook-signature", ExpectedSignature),
            ],
            headers.ToList());
    }

    [Fact]
    public void Verify_PublishedVector_Valid()
    {
        var result = Verifier(SentAt, Secret).Verify(MessageId, Timestamp, ExpectedSignature, Body);

        Assert.Equal(WebhookVerificationStatus.Valid, result.Status);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Verify_TamperedBody_NoMatchingSignature()
    {
        var result = Verifier(SentAt, Secret).Verify(MessageId, Timestamp, ExpectedSignature, "{\"test\": 2432232315}");

        Assert.Equal(WebhookVerificationStatus.NoMatchingSignature, result.Status);
    }

    [Fact]
    public void Verify_TamperedIdOrTimestamp_NoMatchingSignature()
    {
        var verifier = Verifier(SentAt, Secret);

        Assert.Equal(WebhookVerificationStatus.NoMatchingSignature, verifier.Verify("msg_other", Timestamp, ExpectedSignature, Body).Status);
        Assert.Equal(WebhookVerificationStatus.NoMatchingSignature, verifier.Verify(MessageId, "1614265331", ExpectedSignature, Body).Status);
    }

    [Fact]
    public void Verify_WrongSecret_NoMatchingSignature()
    {
        var other = WebhookSecret.FromBytes(Encoding.UTF8.GetBytes("another-secret-entirely")).Reveal();

        var result = Verifier(SentAt, other).Verify(MessageId, Timestamp, ExpectedSignature, Body);

        Assert.Equal(WebhookVerificationStatus.NoMatchingSignature, result.Status);
    }

    [Theory]
    [InlineData(300, WebhookVerificationStatus.Valid)]
    [InlineData(301, WebhookVerificationStatus.TimestampTooOld)]
    [InlineData(-300, WebhookVerificationStatus.Valid)]
    [InlineData(-301, WebhookVerificationStatus.TimestampTooNew)]
    public void Verify_ReceiverClockOffset_ToleranceBothDirections(int receiverLagSeconds, WebhookVerificationStatus expected)
    {
        var result = Verifier(SentAt.AddSeconds(receiverLagSeconds), Secret).Verify(MessageId, Timestamp, ExpectedSignature, Body);

        Assert.Equal(expected, result.Status);
    }

    [Theory]
    [InlineData(null, Timestamp, ExpectedSignature, WebhookVerificationStatus.MissingHeader)]
    [InlineData(MessageId, null, ExpectedSignature, WebhookVerificationStatus.MissingHeader)]
    [InlineData(MessageId, Timestamp, "", WebhookVerificationStatus.MissingHeader)]
    [InlineData(MessageId, "-1614265330", ExpectedSignature, WebhookVerificationStatus.InvalidTimestamp)]
    [InlineData(MessageId, "1614265330.5", ExpectedSignature, WebhookVerificationStatus.InvalidTimestamp)]
    [InlineData(MessageId, "99999999999999999999", ExpectedSignature, WebhookVerificationStatus.InvalidTimestamp)]
    [InlineData(MessageId, Timestamp, "v1,not-base64!!", WebhookVerificationStatus.NoMatchingSignature)]
    [InlineData(MessageId, Timestamp, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookVerificationStatus.NoMatchingSignature)]
    [InlineData(MessageId, Timestamp, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookVerificationStatus.NoMatchingSignature)]
    [InlineData(MessageId, Timestamp, "v1,g0hM9SsE", WebhookVerificationStatus.NoMatchingSignature)]
    public void Verify_MalformedHeaders_Rejected(string? id, string? timestamp, string? signature, WebhookVerificationStatus expected)
    {
        Assert.Equal(expected, Verifier(SentAt, Secret).Verify(id, timestamp, signature, Body).Status);
    }

    [Fact]
    public void Sign_TwoSecretsDuringRotation_TwoSignaturesEitherVerifies()
    {
        var newSecret = WebhookSecret.FromBytes(Encoding.UTF8.GetBytes("the-new-secret-after-rotation!!")).Reveal();
        var headers = new WebhookSigner(newSecret, Secret).CreateHeaders(MessageId, SentAt, Body);
        var entries = headers.Signature.Split(' ');

        Assert.Equal(2, entries.Length);
        Assert.Equal(ExpectedSignature, entries[1]);
        Assert.True(Verifier(SentAt, Secret).Verify(headers.Id, headers.Timestamp, headers.Signature, Body).IsValid);
        Assert.True(Verifier(SentAt, newSecret).Verify(headers.Id, headers.Timestamp, headers.Signature, Body).IsValid);
        Assert.True(Verifier(SentAt, newSecret, Secret).Verify(MessageId, Timestamp, ExpectedSignature, Body).IsValid);
    }

    [Fact]
    public void CreateHeaders_RetryLater_SameIdFreshTimestampAndSignature()
    {
        var signer = new WebhookSigner(Secret);
        var id = WebhookSigner.CreateMessageId("wf-42:completed");

        var first = signer.CreateHeaders(id, SentAt, Body);
        var retry = signer.CreateHeaders(WebhookSigner.CreateMessageId("wf-42:completed"), SentAt.AddSeconds(30), Body);

        Assert.Equal(first.Id, retry.Id);
        Assert.Equal(SentAt.AddSeconds(30).ToUnixTimeSeconds(), retry.TimestampSeconds);
        Assert.NotEqual(first.Signature, retry.Signature);
        Assert.Matches("^msg_[a-z2-7]{26}$", id);
        Assert.NotEqual(id, WebhookSigner.CreateMessageId("wf-42:task_completed"));
    }

    [Fact]
    public void VerifyOrThrow_Stale_ThrowsWithStatus()
    {
        var verifier = Verifier(SentAt.AddHours(1), Secret);

        var error = Assert.Throws<WebhookVerificationException>(
            () => verifier.VerifyOrThrow(MessageId, Timestamp, ExpectedSignature, Encoding.UTF8.GetBytes(Body)));

        Assert.Equal(WebhookVerificationStatus.TimestampTooOld, error.Status);
    }

    [Fact]
    public void WebhookSecret_ToString_Redacted()
    {
        var secret = WebhookSecret.Parse(Secret);

        Assert.Equal("whsec_***", secret.ToString());
        Assert.Equal(Secret, secret.Reveal());
        Assert.Equal(24, secret.KeyLength);
        Assert.DoesNotContain("MfKQ9r8", $"{secret}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("whsec_")]
    [InlineData("whsec_***not base64***")]
    public void WebhookSecret_TryParseInvalid_False(string text)
    {
        Assert.False(WebhookSecret.TryParse(text, out _));
    }

    [Fact]
    public void CreateHeaders_MessageIdWithSpace_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WebhookSigner(Secret).CreateHeaders("msg 1", SentAt, Body));
    }
}
