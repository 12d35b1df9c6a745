"""Payment deep links for promotions: orders created by the merchant's provider, never by us.

``provider`` is the interface every adapter implements (``alipayplus``, ``wechatpay``; the
``sandbox`` merchant is served by the Alipay+ adapter pointed at our sandbox server),
``orders`` stores orders and every status change, ``links`` signs short-lived single-use
checkout links, ``checkout`` is the flow the guide service runs. ``sandbox/`` is apart from them:
a local HTTP server speaking both providers' documented formats, and its throw-away credentials,
for the demo and the tests.
"""
