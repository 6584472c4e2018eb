namespace OrderDemo;

/// <summary>What the demo knows of one order: what it sent, when, and what the service says became of it.</summary>
internal sealed class OrderRecord(string orderId, bool vip, string body)
{
    public string OrderId { get; } = orderId;

    public bool Vip { get; } = vip;

    public string Body { get; } = body;

    /// <summary>Seconds into the submission when it was first sent.</summary>
    public double SentAt { get; set; }

    /// <summary>The answer that accepted it (202, or 200 for a resubmission after a lost answer); 0 if never accepted.</summary>
    public int Accepted { get; set; }

    /// <summary>A refusal (4xx other than 409), with its body.</summary>
    public string? Refused { get; set; }

    /// <summary>Submit attempts (more than one when the host was down or answered 5xx).</summary>
    public int SubmitAttempts { get; set; }

    /// <summary>When its completion callback arrived (seconds into the submission), if it did.</summary>
    public double? CallbackAt { get; set; }

    public string? Status { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public double? DurationMs { get; set; }

    public int Retries { get; set; }

    public string? ChargeId { get; set; }

    public string? RefundId { get; set; }

    public string? Error { get; set; }

    public bool IsFinal => Status is "completed" or "compensated" or "failed";
}
