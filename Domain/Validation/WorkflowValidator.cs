using System.Globalization;
using System.Text;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Validation;

/// <summary>
/// Validates submissions and reports every problem (up to <see cref="WorkflowLimits.MaxReportedProblems"/>)
/// with the offending task ids. Linear in tasks + dependencies, no recursion.
/// </summary>
/// <remarks>
/// Time-dependent checks (deadlines in the past) compare against the <c>now</c> passed in, so the validator
/// itself never reads a clock. Tasks inside a workflow must carry ids: assign generated ids first
/// (see <see cref="WorkflowSpecExtensions.WithGeneratedTaskIds"/>).
/// </remarks>
/// <param name="limits">The limits to enforce; <see cref="WorkflowLimits.Default"/> when null.</param>
/// <param name="payloads">Per task type payload checks; none when null.</param>
/// <param name="cacheableTypes">The task types that may ask for <c>cache</c> (deterministic); none when null.</param>
public sealed class WorkflowValidator(WorkflowLimits? limits = null, PayloadRules? payloads = null, IReadOnlyCollection<string>? cacheableTypes = null)
{
    /// <summary>The limits enforced.</summary>
    public WorkflowLimits Limits { get; } = limits ?? WorkflowLimits.Default;

    /// <summary>The payload checks applied.</summary>
    public PayloadRules Payloads { get; } = payloads ?? PayloadRules.None;

    /// <summary>Validates a workflow against the clock of <paramref name="timeProvider"/>.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="timeProvider">Source of "now" for deadline checks.</param>
    /// <returns>The problems, and the graph when there are none.</returns>
    public WorkflowValidationResult Validate(WorkflowSpec workflow, TimeProvider timeProvider) =>
        Validate(workflow, timeProvider.GetUtcNow());

    /// <summary>Validates a workflow.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="now">The current time, for deadline checks.</param>
    /// <returns>The problems, and the graph when there are none.</returns>
    public WorkflowValidationResult Validate(WorkflowSpec workflow, DateTimeOffset now)
    {
        var problems = new ProblemCollector(Limits.MaxReportedProblems);
        if (workflow.WorkflowId is not null)
        {
            var violation = StorageKeyRules.Check(workflow.WorkflowId, Limits.MaxIdLength);
            if (violation != StorageKeyViolation.None)
            {
                problems.Add(
                    ValidationProblemCode.InvalidWorkflowId,
                    $"Workflow id {GraphBuilder.Quote(workflow.WorkflowId)} {StorageKeyRules.Describe(violation, Limits.MaxIdLength)}.",
                    []);
            }
        }

        if (workflow.MaxParallelism is < 1)
        {
            problems.Add(
                ValidationProblemCode.InvalidMaxParallelism,
                string.Create(CultureInfo.InvariantCulture, $"max_parallelism must be at least 1 (got {workflow.MaxParallelism})."),
                []);
        }

        if (workflow.Deadline is { } deadline && deadline <= now)
        {
            problems.Add(
                ValidationProblemCode.DeadlineInPast,
                string.Create(CultureInfo.InvariantCulture, $"The workflow deadline {deadline:O} is not in the future."),
                []);
        }

        if (workflow.Callback is not null)
        {
            CheckCallback(workflow.Callback, "The workflow", [], problems);
        }

        var tasks = workflow.Tasks ?? [];
        if (tasks.Count == 0)
        {
            problems.Add(ValidationProblemCode.EmptyWorkflow, "The workflow has no tasks.", []);
            return new WorkflowValidationResult(problems.ToList(), null);
        }

        if (tasks.Count > Limits.MaxTasksPerWorkflow)
        {
            // Refuse before doing per-task work proportional to an oversized submission.
            problems.Add(
                ValidationProblemCode.TooManyTasks,
                string.Create(CultureInfo.InvariantCulture, $"The workflow has {tasks.Count} tasks; the limit is {Limits.MaxTasksPerWorkflow}."),
                []);
            return new WorkflowValidationResult(problems.ToList(), null);
        }

        for (var i = 0; i < tasks.Count; i++)
        {
            CheckTaskFields(tasks[i], tasks[i].TaskId ?? GraphBuilder.Label(i), now, problems);
        }

        var graph = GraphBuilder.Build(tasks, problems, Limits, checkIds: true);
        var list = problems.ToList();
        return new WorkflowValidationResult(list, list.Count == 0 ? graph : null);
    }

    /// <summary>
    /// Validates a single task submission. Its id may be absent (the service generates one); its
    /// dependencies name tasks submitted earlier, so only their form is checked here, not their existence.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="now">The current time, for deadline checks.</param>
    /// <returns>The problems; <see cref="WorkflowValidationResult.Graph"/> is always null.</returns>
    public WorkflowValidationResult ValidateTask(TaskSpec task, DateTimeOffset now)
    {
        var problems = new ProblemCollector(Limits.MaxReportedProblems);
        var label = task.TaskId ?? GraphBuilder.Label(0);
        if (task.TaskId is not null)
        {
            var violation = StorageKeyRules.Check(task.TaskId, Limits.MaxIdLength);
            if (violation != StorageKeyViolation.None)
            {
                problems.Add(
                    ValidationProblemCode.InvalidTaskId,
                    $"Task id {GraphBuilder.Quote(task.TaskId)} {StorageKeyRules.Describe(violation, Limits.MaxIdLength)}.",
                    [task.TaskId]);
            }
        }

        CheckTaskFields(task, label, now, problems);

        var deps = task.DependsOn;
        if (deps.Count > Limits.MaxDependenciesPerTask)
        {
            problems.Add(
                ValidationProblemCode.TooManyDependencies,
                string.Create(CultureInfo.InvariantCulture, $"Task {GraphBuilder.Quote(label)} has {deps.Count} dependencies; the limit is {Limits.MaxDependenciesPerTask}."),
                [label]);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<string>? unsafeIds = null;
        List<string>? repeated = null;
        foreach (var dep in deps)
        {
            if (!StorageKeyRules.IsSafe(dep, Limits.MaxIdLength))
            {
                (unsafeIds ??= []).Add(dep ?? "(null)");
            }
            else if (string.Equals(dep, task.TaskId, StringComparison.Ordinal))
            {
                problems.Add(ValidationProblemCode.SelfDependency, $"Task {GraphBuilder.Quote(label)} depends on itself.", [label]);
            }
            else if (!seen.Add(dep))
            {
                (repeated ??= []).Add(dep);
            }
        }

        if (unsafeIds is not null)
        {
            problems.Add(
                ValidationProblemCode.UnknownDependency,
                $"Task {GraphBuilder.Quote(label)} depends on id(s) that cannot exist: {GraphBuilder.QuoteList(unsafeIds)}.",
                [label],
                unsafeIds);
        }

        if (repeated is not null)
        {
            problems.Add(
                ValidationProblemCode.DuplicateDependency,
                $"Task {GraphBuilder.Quote(label)} names dependencies more than once: {GraphBuilder.QuoteList(repeated)}.",
                [label],
                repeated);
        }

        return new WorkflowValidationResult(problems.ToList(), null);
    }

    private void CheckTaskFields(TaskSpec task, string label, DateTimeOffset now, ProblemCollector problems)
    {
        string[] ids = [label];
        var quoted = GraphBuilder.Quote(label);
        if (string.IsNullOrWhiteSpace(task.TaskType) || task.TaskType.Length > Limits.MaxTaskTypeLength)
        {
            problems.Add(
                ValidationProblemCode.InvalidTaskType,
                string.Create(CultureInfo.InvariantCulture, $"Task {quoted} needs a task_type of 1 to {Limits.MaxTaskTypeLength} characters."),
                ids);
        }

        if (task.Priority is < PriorityRange.Min or > PriorityRange.Max)
        {
            problems.Add(
                ValidationProblemCode.PriorityOutOfRange,
                string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has priority {task.Priority}; it must be {PriorityRange.Min} to {PriorityRange.Max}."),
                ids);
        }

        if (task.Timeout is { } timeout && !(timeout > 0 && timeout <= Limits.MaxTimeout.TotalSeconds))
        {
            problems.Add(
                ValidationProblemCode.InvalidTimeout,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Task {quoted} has timeout {timeout}; it must be a positive number of seconds up to {Limits.MaxTimeout.TotalSeconds}."),
                ids);
        }

        if (task.Deadline is { } deadline && deadline <= now)
        {
            problems.Add(
                ValidationProblemCode.DeadlineInPast,
                string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has deadline {deadline:O}, which is not in the future."),
                ids);
        }

        if (task.MaxRetries is { } retries && (retries < 0 || retries > Limits.MaxRetries))
        {
            problems.Add(
                ValidationProblemCode.InvalidMaxRetries,
                string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has max_retries {retries}; it must be 0 to {Limits.MaxRetries}."),
                ids);
        }

        var payloadBytes = PayloadBytes(task.Payload);
        if (payloadBytes > Limits.MaxPayloadBytes)
        {
            problems.Add(
                ValidationProblemCode.PayloadTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has a {payloadBytes}-byte payload; the limit is {Limits.MaxPayloadBytes} bytes."),
                ids);
        }

        if (Payloads.Check(task.TaskType, task.Payload) is { } payloadProblem)
        {
            problems.Add(ValidationProblemCode.InvalidPayload, $"Task {quoted} ({task.TaskType}): {payloadProblem}.", ids);
        }

        if (task.Compensate is { } compensate)
        {
            if (Payloads.Check(compensate.TaskType, compensate.Payload) is { } compensationProblem)
            {
                problems.Add(ValidationProblemCode.InvalidPayload, $"Task {quoted} has a compensation ({compensate.TaskType}) whose {compensationProblem}.", ids);
            }

            if (string.IsNullOrWhiteSpace(compensate.TaskType) || compensate.TaskType.Length > Limits.MaxTaskTypeLength)
            {
                problems.Add(ValidationProblemCode.InvalidCompensation, $"Task {quoted} has a compensation without a valid task_type.", ids);
            }

            var compensationBytes = PayloadBytes(compensate.Payload);
            if (compensationBytes > Limits.MaxPayloadBytes)
            {
                problems.Add(
                    ValidationProblemCode.PayloadTooLarge,
                    string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has a {compensationBytes}-byte compensation payload; the limit is {Limits.MaxPayloadBytes} bytes."),
                    ids);
            }
        }

        if (task.Callback is not null)
        {
            CheckCallback(task.Callback, $"Task {quoted}", ids, problems);
        }

        if (task.Cache is { } cache)
        {
            CheckCache(cache, task.TaskType, quoted, ids, problems);
        }

        if (task.Retry is { } retry)
        {
            CheckRetry(retry, quoted, ids, problems);
        }
    }

    private void CheckRetry(RetrySpec retry, string quoted, IReadOnlyList<string> ids, ProblemCollector problems)
    {
        var maxDelay = Limits.MaxRetryDelaySeconds;
        void Check(string field, double? value, double min, double max, string unit)
        {
            if (value is { } number && !(number >= min && number <= max))
            {
                problems.Add(
                    ValidationProblemCode.InvalidRetry,
                    string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has retry.{field} {number}; it must be {min} to {max}{unit}."),
                    ids);
            }
        }

        Check("delay_seconds", retry.DelaySeconds, 0, maxDelay, " seconds");
        Check("max_delay_seconds", retry.MaxDelaySeconds, 0, maxDelay, " seconds");
        Check("multiplier", retry.Multiplier, 1, Limits.MaxRetryMultiplier, string.Empty);
    }

    /// <summary>The task types whose results may be cached (deterministic: the same payload always gives the same result).</summary>
    public IReadOnlyCollection<string> CacheableTypes { get; } = cacheableTypes ?? [];

    private void CheckCache(CacheSpec cache, string? taskType, string quoted, IReadOnlyList<string> ids, ProblemCollector problems)
    {
        if (cache.TtlSeconds is not { } ttl || ttl < 1 || ttl > Limits.MaxCacheTtlSeconds)
        {
            problems.Add(
                ValidationProblemCode.InvalidCache,
                string.Create(CultureInfo.InvariantCulture, $"Task {quoted} has cache.ttl_seconds {cache.TtlSeconds?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; it must be a whole number of seconds from 1 to {Limits.MaxCacheTtlSeconds}."),
                ids);
        }

        if (taskType is not null && !CacheableTypes.Contains(taskType, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(
                ValidationProblemCode.InvalidCache,
                $"Task {quoted} asks for cache but task_type '{taskType}' is not deterministic; cache is allowed for: {string.Join(", ", CacheableTypes.Order(StringComparer.Ordinal))}.",
                ids);
        }
    }

    private void CheckCallback(CallbackSpec callback, string owner, IReadOnlyList<string> ids, ProblemCollector problems)
    {
        var reason = callback.Url switch
        {
            null or "" => "has no URL",
            { Length: var length } when length > Limits.MaxCallbackUrlLength =>
                string.Create(CultureInfo.InvariantCulture, $"has a URL longer than {Limits.MaxCallbackUrlLength} characters"),
            _ when !Uri.TryCreate(callback.Url, UriKind.Absolute, out var uri) => "has a URL that is not absolute",
            _ when !Security.CallbackUrlGuard.HasAllowedScheme(callback.Url) => "has a URL whose scheme is not http or https",
            _ when Security.CallbackUrlGuard.HasUserInfo(callback.Url) => "has a URL with user information",
            _ => null,
        };

        if (reason is null && callback.Token is { Length: var tokenLength } && tokenLength > Limits.MaxCallbackTokenLength)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"has a token longer than {Limits.MaxCallbackTokenLength} characters");
        }

        if (reason is null && callback.Events is not null && callback.Events.Any(e => !Enum.IsDefined(e)))
        {
            reason = "names an unknown event";
        }

        if (reason is not null)
        {
            problems.Add(ValidationProblemCode.InvalidCallback, $"{owner} callback {reason}.", ids);
        }
    }

    private static long PayloadBytes(System.Text.Json.JsonElement? payload) =>
        payload is { ValueKind: not System.Text.Json.JsonValueKind.Undefined } element
            ? Encoding.UTF8.GetByteCount(element.GetRawText())
            : 0;
}
