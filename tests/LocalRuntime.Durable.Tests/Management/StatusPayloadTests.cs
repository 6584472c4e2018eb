using LocalRuntime.Durable.Management;
using Newtonsoft.Json.Linq;

namespace LocalRuntime.Durable.Tests.Management;

/// <summary>Durable's value parsing and history condensing, on fixed inputs.</summary>
public sealed class StatusPayloadTests
{
    [Theory]
    [InlineData(null, "null")]
    [InlineData("  ", "\"\"")]
    [InlineData("\"x\"", "\"x\"")]
    [InlineData("{\"a\":1}", "{\"a\":1}")]
    [InlineData("not json", "\"not json\"")]
    [InlineData("1 2", "\"1 2\"")]
    [InlineData("\"2026-12-01T10:00:00Z\"", "\"2026-12-01T10:00:00Z\"")]
    public void Parse_Value_IsJsonOrString(string? value, string expected)
    {
        Assert.Equal(expected, StatusPayload.Parse(value).ToString(Newtonsoft.Json.Formatting.None));
    }

    [Fact]
    public void Time_IsSecondsUtcWithZ()
    {
        Assert.Equal("2026-12-01T10:11:12Z", StatusPayload.Time(new DateTime(2026, 12, 1, 10, 11, 12, 987, DateTimeKind.Utc)));
    }

    [Fact]
    public void CondenseHistory_MergesCompletionsWithTheirSchedulingAndDropsMarkers()
    {
        const string history = """
            [
              {"$type":"DurableTask.Core.History.OrchestratorStartedEvent","EventType":12,"EventId":-1,"IsPlayed":false,"Timestamp":"2026-12-01T10:00:00Z"},
              {"EventType":0,"EventId":-1,"IsPlayed":true,"Timestamp":"2026-12-01T10:00:00Z","Name":"Flow","Version":"","Input":"\"in\"","OrchestrationInstance":{"InstanceId":"i","ExecutionId":"e"},"Tags":null},
              {"EventType":4,"EventId":0,"IsPlayed":false,"Timestamp":"2026-12-01T10:00:01Z","Name":"Act","Version":"","Input":"[\"a\"]"},
              {"EventType":13,"EventId":-1,"Timestamp":"2026-12-01T10:00:01Z"},
              {"EventType":5,"EventId":-1,"Timestamp":"2026-12-01T10:00:02Z","TaskScheduledId":0,"Result":"\"r\""},
              {"EventType":1,"EventId":-1,"Timestamp":"2026-12-01T10:00:03Z","OrchestrationStatus":1,"Result":"\"done\""}
            ]
            """;

        var plain = StatusPayload.CondenseHistory(history, showHistoryOutput: false, showInput: false);
        var full = StatusPayload.CondenseHistory(history, showHistoryOutput: true, showInput: true);

        Assert.Equal(
            """[{"EventType":"ExecutionStarted","Timestamp":"2026-12-01T10:00:00Z","FunctionName":"Flow"},{"EventType":"TaskCompleted","Timestamp":"2026-12-01T10:00:02Z","ScheduledTime":"2026-12-01T10:00:01Z","FunctionName":"Act"},{"EventType":"ExecutionCompleted","Timestamp":"2026-12-01T10:00:03Z","OrchestrationStatus":"Completed"}]""",
            plain.ToString(Newtonsoft.Json.Formatting.None));
        var completed = (JObject)full[1];
        Assert.Equal("r", completed["Result"]!.Value<string>());
        Assert.Equal("[\"a\"]", completed["Input"]!.Value<string>());
        Assert.Equal("done", full[2]["Result"]!.Value<string>());
        Assert.Equal("\"in\"", full[0]["Input"]!.Value<string>());
    }
}
