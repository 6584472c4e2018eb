namespace ServerlessTasks.Domain.Orders;

/// <summary>The bounds an order must keep (422 otherwise).</summary>
public static class OrderLimits
{
    /// <summary>Longest order id, customer id and SKU (an order runs as the workflow <c>order:{order_id}</c>, within the 128 characters of a workflow id).</summary>
    public const int MaxIdLength = 100;

    /// <summary>Most lines per order.</summary>
    public const int MaxItems = 100;

    /// <summary>Largest quantity per line.</summary>
    public const int MaxQty = 10_000;

    /// <summary>Largest amount.</summary>
    public const decimal MaxAmount = 1_000_000_000m;
}
