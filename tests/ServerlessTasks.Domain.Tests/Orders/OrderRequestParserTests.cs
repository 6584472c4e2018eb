using System.Text.Json;
using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Domain.Tests.Orders;

public class OrderRequestParserTests
{
    private const string Valid = """
        {"order_id":"o-1","customer":{"id":"c-1","tier":"vip"},"items":[{"sku":"sku-1","qty":2},{"sku":"sku-2","qty":1}],"amount":42.5,"currency":"USD"}
        """;

    private static (OrderSpec? Order, IReadOnlyList<OrderProblem> Problems) Parse(string json) =>
        OrderRequestParser.Parse(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Parse_ValidOrder_EveryField()
    {
        var (order, problems) = Parse(Valid);

        Assert.Empty(problems);
        Assert.NotNull(order);
        Assert.Equal("o-1", order.OrderId);
        Assert.Equal(new OrderCustomer("c-1", CustomerTier.Vip), order.Customer);
        Assert.Equal([new OrderItem("sku-1", 2), new OrderItem("sku-2", 1)], order.Items);
        Assert.Equal(42.5m, order.Amount);
        Assert.Equal("USD", order.Currency);
        Assert.Null(order.Callback);
    }

    [Fact]
    public void Parse_NoCurrency_DefaultsToEur()
    {
        var (order, _) = Parse("""{"order_id":"o","customer":{"id":"c","tier":"regular"},"items":[{"sku":"s","qty":1}],"amount":0}""");

        Assert.Equal(OrderSpec.DefaultCurrency, order!.Currency);
        Assert.Equal(CustomerTier.Regular, order.Customer.Tier);
    }

    [Theory]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[],"amount":1}""", "items", "no_items")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"amount":1}""", "items", "missing_field")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":-1}""", "amount", "negative_amount")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":"5"}""", "amount", "invalid_type")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":1.005}""", "amount", "invalid_amount")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"gold"},"items":[{"sku":"s","qty":1}],"amount":1}""", "customer.tier", "unknown_tier")]
    [InlineData("""{"order_id":"o","customer":{"id":"c"},"items":[{"sku":"s","qty":1}],"amount":1}""", "customer.tier", "missing_field")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":0}],"amount":1}""", "items[0].qty", "invalid_qty")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":"2"}],"amount":1}""", "items[0].qty", "invalid_qty")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1.5}],"amount":1}""", "items[0].qty", "invalid_qty")]
    [InlineData("""{"order_id":"../x","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":1}""", "order_id", "invalid_id")]
    [InlineData("""{"order_id":7,"customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":1}""", "order_id", "invalid_type")]
    [InlineData("""{"customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":1}""", "order_id", "missing_field")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":1,"currency":"eur"}""", "currency", "invalid_currency")]
    [InlineData("""{"order_id":"o","customer":{"id":"c","tier":"vip"},"items":[{"sku":"s","qty":1}],"amount":1,"coupon":"x"}""", "coupon", "unknown_field")]
    [InlineData("""{"order_id":"o","customer":"c","items":[{"sku":"s","qty":1}],"amount":1}""", "customer", "invalid_type")]
    public void Parse_BadOrder_NamesTheFieldAndNoOrder(string json, string field, string code)
    {
        var (order, problems) = Parse(json);

        Assert.Null(order);
        var problem = Assert.Single(problems);
        Assert.Equal(field, problem.Field);
        Assert.Equal(code, problem.Code);
        Assert.Contains(field, problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTier_ListsAllowedValues()
    {
        var (_, problems) = Parse("""{"order_id":"o","customer":{"id":"c","tier":"gold"},"items":[{"sku":"s","qty":1}],"amount":1}""");

        Assert.Equal("customer.tier 'gold' is not known; allowed: vip, regular.", problems[0].Message);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEach()
    {
        var (order, problems) = Parse("""{"order_id":"","customer":{"id":"c","tier":"x"},"items":[{"sku":"s","qty":-1},{"qty":1}],"amount":-2}""");

        Assert.Null(order);
        Assert.Equal(["order_id", "customer.tier", "items[0].qty", "items[1].sku", "amount"], problems.Select(p => p.Field));
    }

    [Fact]
    public void Parse_NotAnObject_InvalidBody()
    {
        var (order, problems) = Parse("[1]");

        Assert.Null(order);
        Assert.Equal("invalid_body", Assert.Single(problems).Code);
    }
}
