namespace ServerlessTasks.Domain.Tests.Clock;

/// <summary>
/// A physical clock a test can step in either direction, as NTP does to real clocks
/// (FakeTimeProvider refuses to go backwards).
/// </summary>
internal sealed class SteppingTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Step(TimeSpan delta) => now += delta;

    public void Set(DateTimeOffset value) => now = value;
}
