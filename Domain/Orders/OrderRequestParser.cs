using System.Globalization;
using System.Text.Json;
using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Orders;

/// <summary>
/// Reads an order body field by field, so every refusal names the JSON field and what is allowed (never a .NET
/// type, as a serializer's conversion error would): <c>{order_id, customer: {id, tier: vip|regular}, items: [{sku,
/// qty}], amount, currency?, callback?}</c>. Numbers must be JSON numbers; unknown fields are refused.
/// </summary>
public static class OrderRequestParser
{
    private static readonly string[] TopFields = ["order_id", "customer", "items", "amount", "currency", "callback"];
    private static readonly string[] CustomerFields = ["id", "tier"];
    private static readonly string[] ItemFields = ["sku", "qty"];

    /// <summary>The allowed <c>customer.tier</c> values, as clients spell them.</summary>
    public static IReadOnlyList<string> Tiers { get; } = ["vip", "regular"];

    /// <summary>Parses <paramref name="body"/>; the order, or the problems (at least one) and no order.</summary>
    public static (OrderSpec? Order, IReadOnlyList<OrderProblem> Problems) Parse(JsonElement body)
    {
        var problems = new List<OrderProblem>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new OrderProblem("$", "invalid_body", "The body must be a JSON object."));
            return (null, problems);
        }

        Unknown(body, TopFields, string.Empty, problems);
        var orderId = Id(body, "order_id", "order_id", problems);
        var customer = Customer(body, problems);
        var items = Items(body, problems);
        var amount = Amount(body, problems);
        var currency = Currency(body, problems);
        JsonElement? callback = body.TryGetProperty("callback", out var cb) && cb.ValueKind != JsonValueKind.Null ? cb.Clone() : null;
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new OrderSpec(orderId!, customer!, items!, amount!.Value, currency, callback), problems);
    }

    private static OrderCustomer? Customer(JsonElement body, List<OrderProblem> problems)
    {
        if (!body.TryGetProperty("customer", out var customer) || customer.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new OrderProblem("customer", "missing_field", "customer is required: {\"id\": \"...\", \"tier\": \"vip\" | \"regular\"}."));
            return null;
        }

        if (customer.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new OrderProblem("customer", "invalid_type", "customer must be a JSON object {id, tier}."));
            return null;
        }

        Unknown(customer, CustomerFields, "customer.", problems);
        var id = Id(customer, "id", "customer.id", problems);
        CustomerTier? tier = null;
        if (!customer.TryGetProperty("tier", out var tierValue) || tierValue.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new OrderProblem("customer.tier", "missing_field", "customer.tier is required; allowed: vip, regular."));
        }
        else if (tierValue.ValueKind != JsonValueKind.String)
        {
            problems.Add(new OrderProblem("customer.tier", "invalid_type", "customer.tier must be a JSON string; allowed: vip, regular."));
        }
        else
        {
            tier = tierValue.GetString() switch
            {
                "vip" => CustomerTier.Vip,
                "regular" => CustomerTier.Regular,
                _ => null,
            };
            if (tier is null)
            {
                problems.Add(new OrderProblem("customer.tier", "unknown_tier", $"customer.tier '{tierValue.GetString()}' is not known; allowed: vip, regular."));
            }
        }

        return id is null || tier is null ? null : new OrderCustomer(id, tier.Value);
    }

    private static List<OrderItem>? Items(JsonElement body, List<OrderProblem> problems)
    {
        if (!body.TryGetProperty("items", out var items) || items.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new OrderProblem("items", "missing_field", "items is required: a non-empty array of {sku, qty}."));
            return null;
        }

        if (items.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new OrderProblem("items", "invalid_type", "items must be a JSON array of {sku, qty}."));
            return null;
        }

        var count = items.GetArrayLength();
        if (count == 0)
        {
            problems.Add(new OrderProblem("items", "no_items", "items is empty; an order needs at least one {sku, qty}."));
            return null;
        }

        if (count > OrderLimits.MaxItems)
        {
            problems.Add(new OrderProblem("items", "too_many_items", string.Create(CultureInfo.InvariantCulture, $"items has {count} lines; at most {OrderLimits.MaxItems}.")));
            return null;
        }

        var result = new List<OrderItem>(count);
        var before = problems.Count;
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"items[{index++}]");
            if (item.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new OrderProblem(path, "invalid_type", $"{path} must be a JSON object {{sku, qty}}."));
                continue;
            }

            Unknown(item, ItemFields, path + ".", problems);
            var sku = Id(item, "sku", path + ".sku", problems);
            var qty = Qty(item, path + ".qty", problems);
            if (sku is not null && qty is not null)
            {
                result.Add(new OrderItem(sku, qty.Value));
            }
        }

        return problems.Count > before ? null : result;
    }

    private static int? Qty(JsonElement item, string path, List<OrderProblem> problems)
    {
        if (!item.TryGetProperty("qty", out var qty) || qty.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new OrderProblem(path, "missing_field", $"{path} is required: a whole number from 1 to {OrderLimits.MaxQty}."));
            return null;
        }

        if (qty.ValueKind != JsonValueKind.Number || !qty.TryGetInt32(out var value) || value < 1 || value > OrderLimits.MaxQty)
        {
            problems.Add(new OrderProblem(path, "invalid_qty", $"{path} must be a JSON number, a whole number from 1 to {OrderLimits.MaxQty}."));
            return null;
        }

        return value;
    }

    private static decimal? Amount(JsonElement body, List<OrderProblem> problems)
    {
        if (!body.TryGetProperty("amount", out var amount) || amount.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new OrderProblem("amount", "missing_field", "amount is required: a JSON number, 0 or more, at most two decimals."));
            return null;
        }

        if (amount.ValueKind != JsonValueKind.Number || !amount.TryGetDecimal(out var value))
        {
            problems.Add(new OrderProblem("amount", "invalid_type", "amount must be a JSON number (not a string), 0 or more, at most two decimals."));
            return null;
        }

        if (value < 0)
        {
            problems.Add(new OrderProblem("amount", "negative_amount", string.Create(CultureInfo.InvariantCulture, $"amount {value} is negative; allowed: 0 to {OrderLimits.MaxAmount}.")));
            return null;
        }

        if (value > OrderLimits.MaxAmount || decimal.Round(value, 2) != value)
        {
            problems.Add(new OrderProblem("amount", "invalid_amount", string.Create(CultureInfo.InvariantCulture, $"amount {value} is not allowed: 0 to {OrderLimits.MaxAmount}, at most two decimals.")));
            return null;
        }

        return value;
    }

    private static string Currency(JsonElement body, List<OrderProblem> problems)
    {
        if (!body.TryGetProperty("currency", out var currency) || currency.ValueKind == JsonValueKind.Null)
        {
            return OrderSpec.DefaultCurrency;
        }

        if (currency.ValueKind != JsonValueKind.String || currency.GetString() is not { Length: 3 } code || !code.All(char.IsAsciiLetterUpper))
        {
            problems.Add(new OrderProblem("currency", "invalid_currency", "currency must be a JSON string of three upper-case letters (ISO 4217, e.g. EUR, USD)."));
            return OrderSpec.DefaultCurrency;
        }

        return code;
    }

    private static string? Id(JsonElement owner, string name, string path, List<OrderProblem> problems)
    {
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new OrderProblem(path, "missing_field", $"{path} is required: a JSON string of 1-{OrderLimits.MaxIdLength} letters, digits and - _ . : @."));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(new OrderProblem(path, "invalid_type", $"{path} must be a JSON string of 1-{OrderLimits.MaxIdLength} letters, digits and - _ . : @."));
            return null;
        }

        var id = value.GetString();
        var violation = StorageKeyRules.Check(id, OrderLimits.MaxIdLength);
        if (violation != StorageKeyViolation.None)
        {
            problems.Add(new OrderProblem(path, "invalid_id", $"{path} is not allowed: {StorageKeyRules.Describe(violation, OrderLimits.MaxIdLength)}."));
            return null;
        }

        return id;
    }

    private static void Unknown(JsonElement owner, string[] known, string prefix, List<OrderProblem> problems)
    {
        foreach (var property in owner.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                problems.Add(new OrderProblem(prefix + property.Name, "unknown_field", $"{prefix}{property.Name} is not an order field; allowed: {string.Join(", ", known)}."));
            }
        }
    }
}
