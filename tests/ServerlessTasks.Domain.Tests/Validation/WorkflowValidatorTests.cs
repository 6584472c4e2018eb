using System.Text.Json;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Tests.Validation;

public class WorkflowValidatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly WorkflowValidator validator = new();

    private static TaskSpec T(string? id, params string[] deps) => new(id, "echo", Dependencies: deps);

    private static WorkflowSpec W(params TaskSpec[] tasks) => new("wf-1", tasks);

    [Fact]
    public void Validate_ValidDiamond_NoProblemsAndGraph()
    {
        var result = validator.Validate(W(T("a"), T("b", "a"), T("c", "a"), T("d", "b", "c")), Now);

        Assert.True(result.IsValid);
        Assert.Empty(result.Problems);
        Assert.NotNull(result.Graph);
        Assert.Equal(["a", "b", "c", "d"], result.Graph.GetTopologicalOrderIds());
    }

    [Fact]
    public void Validate_EmptyWorkflow_EmptyWorkflowProblem()
    {
        var result = validator.Validate(W(), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.EmptyWorkflow, problem.Code);
        Assert.Null(result.Graph);
    }

    [Fact]
    public void Validate_TwoTaskCycle_NamesCycleInDependencyOrder()
    {
        var result = validator.Validate(W(T("a", "b"), T("b", "a")), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.Cycle, problem.Code);
        Assert.Equal(["a", "b"], problem.TaskIds);
        Assert.Equal("Dependencies form a cycle: 'a' depends on 'b', 'b' depends on 'a'.", problem.Message);
    }

    [Fact]
    public void Validate_CycleBehindAcyclicPrefix_NamesOnlyCycleMembers()
    {
        // x -> (c1 -> c2 -> c3 -> c1); tail depends on the cycle but is not part of it.
        var result = validator.Validate(
            W(T("x"), T("c1", "x", "c3"), T("c2", "c1"), T("c3", "c2"), T("tail", "c3")),
            Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.Cycle, problem.Code);
        Assert.Equal(["c1", "c3", "c2"], problem.TaskIds);
    }

    [Fact]
    public void Validate_TwoDisjointCycles_ReportsBoth()
    {
        var result = validator.Validate(W(T("a", "b"), T("b", "a"), T("c", "d"), T("d", "c")), Now);

        Assert.Equal(2, result.Problems.Count);
        Assert.All(result.Problems, p => Assert.Equal(ValidationProblemCode.Cycle, p.Code));
        Assert.Equal(["a", "b"], result.Problems[0].TaskIds);
        Assert.Equal(["c", "d"], result.Problems[1].TaskIds);
    }

    [Fact]
    public void Validate_SelfDependency_ReportedOnceNotAsCycle()
    {
        var result = validator.Validate(W(T("a", "a", "a")), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.SelfDependency, problem.Code);
        Assert.Equal(["a"], problem.TaskIds);
    }

    [Fact]
    public void Validate_UnknownDependencies_NamesTaskAndUnknownIds()
    {
        var result = validator.Validate(W(T("a"), T("b", "a", "ghost", "phantom")), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.UnknownDependency, problem.Code);
        Assert.Equal(["b"], problem.TaskIds);
        Assert.Equal(["ghost", "phantom"], problem.RelatedValues);
    }

    [Fact]
    public void Validate_DuplicateIdsAndDependencies_ReportsEach()
    {
        var result = validator.Validate(W(T("a"), T("a"), T("b", "a", "a")), Now);

        Assert.Equal(
            [ValidationProblemCode.DuplicateTaskId, ValidationProblemCode.DuplicateDependency],
            result.Problems.Select(p => p.Code));
        Assert.Equal(["a"], result.Problems[0].TaskIds);
        Assert.Equal(["b"], result.Problems[1].TaskIds);
        Assert.Equal(["a"], result.Problems[1].RelatedValues);
    }

    [Fact]
    public void Validate_RetryFieldsOutOfRange_EachNamedWithItsRange()
    {
        var task = new TaskSpec("a", "echo", Retry: new RetrySpec(DelaySeconds: -0.5, Multiplier: 0.5, MaxDelaySeconds: 90_000));

        var result = validator.Validate(W(task), Now);

        Assert.All(result.Problems, p => Assert.Equal(ValidationProblemCode.InvalidRetry, p.Code));
        Assert.Equal(
            [
                "Task 'a' has retry.delay_seconds -0.5; it must be 0 to 86400 seconds.",
                "Task 'a' has retry.max_delay_seconds 90000; it must be 0 to 86400 seconds.",
                "Task 'a' has retry.multiplier 0.5; it must be 1 to 10.",
            ],
            result.Problems.Select(p => p.Message));
    }

    [Fact]
    public void Validate_RetryInRangeOrPartial_NoProblem()
    {
        var result = validator.Validate(W(new TaskSpec("a", "echo", Retry: new RetrySpec(0.1, 8)), new TaskSpec("b", "echo", Retry: new RetrySpec())), Now);

        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Validate_MissingTaskId_ReportedByPosition()
    {
        var result = validator.Validate(W(T("a"), T(null, "a")), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.MissingTaskId, problem.Code);
        Assert.Equal(["#1"], problem.TaskIds);
    }

    [Fact]
    public void Validate_EveryFieldProblem_ReportsAllNotJustFirst()
    {
        using var big = JsonDocument.Parse("\"" + new string('x', (64 * 1024) + 1) + "\"");
        var bad = new TaskSpec(
            "bad",
            " ",
            Payload: big.RootElement.Clone(),
            Priority: 11,
            Timeout: -1,
            Deadline: Now.AddSeconds(-1),
            MaxRetries: -1,
            Callback: new CallbackSpec("ftp://example.com/hook"));
        var workflow = new WorkflowSpec("wf/1", [bad, T("ok", "nope"), T("../x")], MaxParallelism: 0, Deadline: Now);

        var result = validator.Validate(workflow, Now);

        Assert.Equal(
            [
                ValidationProblemCode.InvalidWorkflowId,
                ValidationProblemCode.InvalidMaxParallelism,
                ValidationProblemCode.DeadlineInPast,
                ValidationProblemCode.InvalidTaskType,
                ValidationProblemCode.PriorityOutOfRange,
                ValidationProblemCode.InvalidTimeout,
                ValidationProblemCode.DeadlineInPast,
                ValidationProblemCode.InvalidMaxRetries,
                ValidationProblemCode.PayloadTooLarge,
                ValidationProblemCode.InvalidCallback,
                ValidationProblemCode.InvalidTaskId,
                ValidationProblemCode.UnknownDependency,
            ],
            result.Problems.Select(p => p.Code));
        Assert.Equal(["../x"], result.Problems[10].TaskIds);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1e300)]
    public void Validate_BadTimeout_InvalidTimeout(double timeout)
    {
        var result = validator.Validate(W(new TaskSpec("a", "echo", Timeout: timeout)), Now);

        Assert.Equal([ValidationProblemCode.InvalidTimeout], result.Problems.Select(p => p.Code));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(-3)]
    public void Validate_PriorityOutsideRange_PriorityOutOfRange(int priority)
    {
        var result = validator.Validate(W(new TaskSpec("a", "echo", Priority: priority)), Now);

        Assert.Equal([ValidationProblemCode.PriorityOutOfRange], result.Problems.Select(p => p.Code));
    }

    [Fact]
    public void Validate_DeadlineViaTimeProvider_UsesProviderClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var workflow = W(new TaskSpec("a", "echo", Deadline: Now.AddMinutes(1)));

        Assert.True(validator.Validate(workflow, clock).IsValid);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([ValidationProblemCode.DeadlineInPast], validator.Validate(workflow, clock).Codes);
    }

    [Fact]
    public void Validate_TooManyTasks_RefusedAgainstLimitOnly()
    {
        var small = new WorkflowValidator(new WorkflowLimits { MaxTasksPerWorkflow = 3 });
        var result = small.Validate(W(T("a"), T("b"), T("c"), T("d", "zzz")), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.TooManyTasks, problem.Code);
    }

    [Fact]
    public void Validate_TooManyDependenciesPerTaskAndTotal_Reported()
    {
        var limits = new WorkflowLimits { MaxDependenciesPerTask = 1 };
        var result = new WorkflowValidator(limits).Validate(W(T("a"), T("b"), T("c", "a", "b")), Now);
        Assert.Equal([ValidationProblemCode.TooManyDependencies], result.Codes);
        Assert.Equal(["c"], result.Problems[0].TaskIds);

        var total = new WorkflowValidator(new WorkflowLimits { MaxTotalDependencies = 1 })
            .Validate(W(T("a"), T("b", "a"), T("c", "a")), Now);
        Assert.Equal([ValidationProblemCode.TooManyDependencies], total.Codes);
        Assert.Empty(total.Problems[0].TaskIds);
    }

    [Fact]
    public void Validate_ProblemsOverCap_ListsCapAndCountsRest()
    {
        var capped = new WorkflowValidator(new WorkflowLimits { MaxReportedProblems = 3 });
        var tasks = Enumerable.Range(0, 10).Select(i => new TaskSpec($"t{i}", "echo", Priority: 0)).ToArray();

        var result = capped.Validate(W(tasks), Now);

        Assert.Equal(4, result.Problems.Count);
        Assert.Equal(ValidationProblemCode.TooManyProblems, result.Problems[3].Code);
        Assert.Equal("7 more problems were found and not listed.", result.Problems[3].Message);
    }

    [Fact]
    public void Validate_HostileIdInMessage_ControlCharactersEscaped()
    {
        var result = validator.Validate(W(T("a\0b\nc")), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.InvalidTaskId, problem.Code);
        Assert.Equal("a\0b\nc", problem.TaskIds[0]);
        Assert.DoesNotContain('\0', problem.Message);
        Assert.Contains("'a\\u0000b\\u000Ac'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HundredThousandDeepChain_ValidWithoutRecursion()
    {
        const int N = 100_000;
        var tasks = new TaskSpec[N];
        for (var i = 0; i < N; i++)
        {
            tasks[i] = i == 0 ? T("t0") : T($"t{i}", $"t{i - 1}");
        }

        // A recursive walk would overflow the stack at this depth (the test host dies); how fast it is belongs in bench/.
        var result = validator.Validate(W(tasks), Now);

        Assert.True(result.IsValid);
        Assert.Equal("t99999", result.Graph!.GetId(result.Graph.TopologicalOrder[N - 1]));
    }

    [Fact]
    public void Validate_HundredThousandCycle_NamesWholeCycle()
    {
        const int N = 100_000;
        var tasks = new TaskSpec[N];
        for (var i = 0; i < N; i++)
        {
            tasks[i] = T($"t{i}", $"t{(i + 1) % N}");
        }

        var result = validator.Validate(W(tasks), Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ValidationProblemCode.Cycle, problem.Code);
        Assert.Equal(N, problem.TaskIds.Count);
        Assert.Equal("t0", problem.TaskIds[0]);
        Assert.Equal("t99999", problem.TaskIds[N - 1]);
        Assert.EndsWith("... (100000 tasks in the cycle).", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HundredThousandWideFanOutFanIn_Valid()
    {
        const int N = 100_000;
        var tasks = new TaskSpec[N];
        tasks[0] = T("root");
        for (var i = 1; i < N - 1; i++)
        {
            tasks[i] = T($"w{i}", "root");
        }

        tasks[N - 1] = T("join", tasks.Skip(1).Take(N - 2).Select(t => t.TaskId!).ToArray());

        var result = validator.Validate(W(tasks), Now);

        Assert.True(result.IsValid);
        Assert.Equal(N - 2, result.Graph!.GetDependencies(N - 1).Length);
        Assert.Equal(2 * (N - 2), result.Graph.EdgeCount);
    }

    [Fact]
    public void ValidateTask_SingleTaskWithoutId_DependenciesFormOnlyChecked()
    {
        var ok = validator.ValidateTask(new TaskSpec(null, "echo", Dependencies: ["earlier-1"]), Now);
        Assert.True(ok.IsValid);

        var bad = validator.ValidateTask(new TaskSpec("x", "echo", Dependencies: ["x", "a/b", "y", "y"]), Now);
        Assert.Equal(
            [ValidationProblemCode.SelfDependency, ValidationProblemCode.UnknownDependency, ValidationProblemCode.DuplicateDependency],
            bad.Codes);
        Assert.Equal(["a/b"], bad.Problems[1].RelatedValues);
    }

    [Fact]
    public void ValidationProblemCode_SerializedAsSnakeCase()
    {
        var json = JsonSerializer.Serialize(new ValidationProblem(ValidationProblemCode.UnknownDependency, "m", ["a"]));

        Assert.Equal("{\"Code\":\"unknown_dependency\",\"Message\":\"m\",\"TaskIds\":[\"a\"],\"Related\":null,\"RelatedValues\":[]}", json);
    }

    [Fact]
    public void WithGeneratedTaskIds_MissingIds_FilledByPosition()
    {
        var workflow = W(T("a"), T(null, "a")).WithGeneratedTaskIds(i => $"gen-{i}");

        Assert.Equal(["a", "gen-1"], workflow.Tasks.Select(t => t.TaskId));
        Assert.True(validator.Validate(workflow, Now).IsValid);
    }
}
