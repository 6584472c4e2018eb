namespace ServerlessTasks.Domain.Orders;

/// <summary>Where an order is (serialized in snake_case). Statuses only move forward.</summary>
public enum OrderStatus
{
    /// <summary>Accepted; payment and fraud check not both done yet.</summary>
    Accepted,

    /// <summary>Charged (and passed the fraud check).</summary>
    Paid,

    /// <summary>Stock reserved and packed.</summary>
    Packed,

    /// <summary>Handed to the carrier.</summary>
    Shipped,

    /// <summary>Shipped and the customer notified.</summary>
    Completed,

    /// <summary>A step failed after something was done; every done step was undone (refund, stock released).</summary>
    Compensated,

    /// <summary>Failed with nothing charged, or a compensation itself failed (see the steps).</summary>
    Failed,
}
