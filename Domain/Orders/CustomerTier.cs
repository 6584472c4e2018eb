namespace ServerlessTasks.Domain.Orders;

/// <summary>A customer's tier: VIP orders run at a higher priority with tighter deadlines and timeouts.</summary>
public enum CustomerTier
{
    /// <summary>An ordinary customer (<c>regular</c>).</summary>
    Regular,

    /// <summary>A VIP customer (<c>vip</c>).</summary>
    Vip,
}
