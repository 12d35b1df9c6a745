"""Payment deep links for promotions: orders created by the merchant's provider, never by us.

``provider`` is the interface every adapter implements (``alipayplus``, ``wechatpay``; the
``sandbox`` merchant is served by the Alipay+ adapter pointed at our sandbox server),
``orders`` stores orders and every status change, ``links`` signs short-lived single-use
checkout links, ``service`` is the flow the guide service runs, ``sandbox`` is a local HTTP
server speaking both providers' documented formats for the demo and the tests.
"""
