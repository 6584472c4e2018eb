namespace ServerlessTasks.Domain.Orders;

/// <summary>One order line.</summary>
/// <param name="Sku">The stock keeping unit.</param>
/// <param name="Qty">How many (1 or more).</param>
public sealed record OrderItem(string Sku, int Qty);
