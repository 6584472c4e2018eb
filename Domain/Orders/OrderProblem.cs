namespace ServerlessTasks.Domain.Orders;

/// <summary>Why an order was refused: the JSON field (e.g. <c>items[1].qty</c>), a machine code and a message.</summary>
/// <param name="Field">The JSON path of the offending field, from the body's root.</param>
/// <param name="Code">A machine-readable reason (snake_case).</param>
/// <param name="Message">What is wrong and what is allowed.</param>
public sealed record OrderProblem(string Field, string Code, string Message);
