namespace ServerlessTasks.Webhooks;

/// <summary>A page of callback records.</summary>
/// <param name="Items">The records, oldest change first.</param>
/// <param name="Total">How many match in all.</param>
public sealed record CallbackPage(IReadOnlyList<CallbackRecord> Items, int Total);
