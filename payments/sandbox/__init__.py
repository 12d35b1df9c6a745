"""The payment sandbox: local stand-ins for Alipay+ and WeChat Pay that the demo and the tests pay through."""
