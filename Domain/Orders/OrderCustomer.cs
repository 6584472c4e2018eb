namespace ServerlessTasks.Domain.Orders;

/// <summary>Who ordered.</summary>
/// <param name="Id">The customer id.</param>
/// <param name="Tier">The customer's tier.</param>
public sealed record OrderCustomer(string Id, CustomerTier Tier);
