"""Chinese and English meaning of every errorCode the OpenAPI document lists
(``hub.openapi.failures`` writes them into each failure response). The full
catalogue, with what to do, is docs/error-codes.md (English) and
docs/zh/integrator-guide.md appendix A (Chinese); ``tests/test_api_style.py``
fails when a code of the document has no entry here."""

from __future__ import annotations

#: errorCode -> (中文含义, English meaning)
CODE_TEXTS: dict[str, tuple[str, str]] = {
    "AUTHORIZATION_EXPIRED": (
        "待核验申请已超过 24 小时",
        "The pending request has expired; start a new one.",
    ),
    "AUTHORIZATION_LOCKED": (
        "失败次数过多，申请已锁定",
        "The request is locked after too many failed verifications.",
    ),
    "AUTHORIZATION_NOT_FOUND": (
        "授权 id 不存在（含格式不对的 id）或不是本院的",
        "Unknown, non-numeric or another hospital's authorization id.",
    ),
    "AUTHORIZATION_STATE_CONFLICT": (
        "当前状态不允许此操作（如已授权后再核验、患者已拒绝、已撤销后再撤销）",
        "The authorization's state does not allow this operation.",
    ),
    "AUTH_DAYS_INVALID": ("authDays 不是 1～30 的整数", "authDays is not an integer from 1 to 30."),
    "BAD_JSON": (
        "请求体不是合法 JSON（或嵌套过深）",
        "The request body is not valid JSON (also JSON nested so deep that parsing recurses out).",
    ),
    "BAD_NONCE": (
        "nonce 超过 128 个字符或含不可打印字符",
        "x-tif-nonce is too long or not printable.",
    ),
    "BAD_SIGNATURE": (
        "签名不符",
        "x-tif-signature does not match any usable credential (also the fallback for an unknown signature failure).",
    ),
    "BAD_TIMESTAMP": ("时间戳不是 Unix 秒", "x-tif-timestamp is not Unix seconds."),
    "BODY_NOT_OBJECT": (
        "请求体是 JSON 但不是对象",
        "The JSON body is not an object (a list, a string, a number).",
    ),
    "CALLBACK_NOT_ALLOWED": (
        "医院传了 callbackUrl（仅省平台反馈渠道可用）",
        "callbackUrl is accepted from the province feed only.",
    ),
    "CALLBACK_URL_INVALID": (
        "callbackUrl 不是 http(s) 地址，或不在约定的地址之下",
        "callbackUrl is not an http(s) URL, or is outside the address agreed for the feed.",
    ),
    "CARD_TYPE_UNKNOWN": ("证件类型不在 01～08、99 之内", "cardType is not one of 01-08 or 99."),
    "CATEGORY_UNKNOWN": ("category 不在六类之内", "category is not one of the categories."),
    "CODE_ALREADY_USED": ("该验证码（申请）已使用过", "The code has already been used."),
    "CODE_COOLDOWN": (
        "授权码生成过于频繁（60 秒）",
        "A new authorization code (non-SMS channel) can be issued only after the cooldown (Retry-After).",
    ),
    "CODE_EXPIRED": ("验证码已过期（5 分钟）", "The code has expired; request a new one."),
    "CODE_FORMAT": ("验证码不是 6 位数字（不计错误次数）", "The code is not 6 digits."),
    "CODE_LOCKED": ("错误 5 次，申请已锁定", "Five wrong codes: this challenge is locked."),
    "CODE_REQUIRED": (
        "短信/授权码方式核验时缺 code",
        "Verifying an sms/authcode request without the code.",
    ),
    "CODE_SUPERSEDED": (
        "已发出更新的验证码，旧码失效",
        "A newer code has been issued; use the latest.",
    ),
    "CODE_THROTTLED": ("刚输错过，需稍等再试", "Wait before trying another code (Retry-After)."),
    "CODE_WRONG": (
        "验证码错误，returnDesc 含剩余次数",
        "Well-formed but not the code; the message says how many attempts are left.",
    ),
    "COMPLAINT_NOT_FOUND": (
        "投诉不存在（含格式不对的 id），或与本院无关",
        "Unknown complaint (a malformed id included; formerly NOT_FOUND for an id that is not a UUID), or not one the caller may see.",
    ),
    "COMPLAINT_NOT_ROUTED_TO_CALLER": (
        "本院是提交方，不是处理方，不能受理或解决",
        "The complaint is not routed to the calling hospital.",
    ),
    "CONSENT_EXPIRED": ("授权已过期", "The patient's authorization has expired."),
    "CONSENT_NOT_SYNCED": (
        "授权有效但省平台尚未确认；若省平台已拒绝，returnDesc 附原因",
        "The authorization is not yet confirmed by the province (or the province refused it).",
    ),
    "CONSENT_REVOKED": (
        "最近的授权已被撤销（患者或本院）",
        "The patient's authorization has been revoked.",
    ),
    "CREDENTIAL_RETIRED": (
        "paasid 已轮换且重叠期已过，或已被作废",
        "The paasid was rotated and its overlap window is over; use the new one.",
    ),
    "FACE_IMAGE_TOO_LARGE": ("图片字节数或像素过大", "The image is too large (bytes or pixels)."),
    "FACE_IMAGE_TOO_SMALL": (
        "图片太小（最短边小于 64 像素）",
        "The image is too small to compare faces.",
    ),
    "FACE_IMAGE_UNDECODABLE": ("图片损坏或被截断", "The image is damaged or truncated."),
    "FACE_MISMATCH": (
        "现场照片与证件照片不一致（计入失败次数）",
        "Both photos were valid but the live photo does not match the ID photo; counts as a failed attempt (five lock the request).",
    ),
    "FACE_MULTIPLE": ("照片中有多张人脸", "More than one face in the photo."),
    "FACE_NOT_AN_IMAGE": ("不是 JPEG 或 PNG（如 BMP）", "A photo is not a JPEG or PNG image."),
    "FACE_NOT_AVAILABLE": (
        "本平台未启用人脸核验",
        "Face verification is not installed on this hub.",
    ),
    "FACE_NOT_BASE64": (
        "照片不是合法的 base64",
        "A photo is not valid base64 (idPhoto: ... / livePhoto: ...).",
    ),
    "FACE_NOT_FOUND": ("照片中没有检测到人脸", "No face was found in the photo."),
    "FACE_PROVIDER_FAILED": (
        "人脸比对服务拒绝请求",
        "The face comparison service refused the hub (credentials, account, invalid request); an operator must act.",
    ),
    "FACE_PROVIDER_UNAVAILABLE": (
        "人脸比对服务暂时不可用（不计次数）",
        "The face comparison service is temporarily unavailable; no attempt counted.",
    ),
    "FEED_CREDENTIAL_DISABLED": (
        "省平台反馈渠道的凭证已停用",
        "The province feed's credential is disabled.",
    ),
    "FEED_NOT_ALLOWED": (
        "反馈渠道只能提交和查看投诉，受理、解决由医疗机构操作",
        "The feed submits and reads complaints; only hospitals act on them.",
    ),
    "FIELD_EMPTY": ("必填字段为空白", "A required field is blank (empty or only spaces)."),
    "FIELD_INVALID": (
        "字段值不被接受（控制字符、NUL、格式不符等）",
        "A field's value is refused: control characters, NUL or surrogates, a pattern it must match (the complaint's orgCode), or a check with no code of its own.",
    ),
    "FIELD_MISSING": ("必填字段缺失或为 null", "A required field is absent or null."),
    "FIELD_TOO_LONG": (
        "超过最大长度",
        "A field (or a field of the view param) is longer than its maximum.",
    ),
    "FIELD_WRONG_TYPE": (
        "字段的 JSON 类型不对（如应为字符串却传了数字）",
        "A field is not of its JSON type (a number where a string is due, an object, a list).",
    ),
    "FILTER_INVALID": (
        "查询参数不合法（过滤条件、page、pageSize、用量的 month；changedSince 中的 + 须编码为 %2B）",
        "A query parameter of a list or a report is refused: a filter (state, method, changedSince, role...), page or pageSize (hub.pagination), the usage month.",
    ),
    "HOSPITAL_NOT_LIVE": (
        "本院尚未到 live 阶段，且市平台未开放联调环境（/api/v1/hospitals/me 仍可调用）",
        "The hospital has not reached the live onboarding stage and the city has no joint-test target (PROVINCE_TEST_BASE_URL=off); with one, the stages before live call the joint test.",
    ),
    "HOSPITAL_SUSPENDED": ("本院已被市平台暂停", "The hospital is suspended from the hub."),
    "ID_CHECK_DIGIT_INVALID": (
        "身份证校验码错误（GB 11643）",
        "The resident ID's check character is wrong (GB 11643).",
    ),
    "ID_NUMBER_INVALID": (
        "证件号格式不对（身份证应为 17 位数字加校验位）",
        "The ID number is not valid for its card type.",
    ),
    "IP_NOT_ALLOWED": (
        "调用地址不在本院白名单内",
        "The caller's address is not in the hospital's IP allowlist.",
    ),
    "METHOD_NOT_ALLOWED": (
        "请求方法不对",
        "The method is not allowed on this URL (Allow header kept).",
    ),
    "METHOD_UNKNOWN": ("method 不是 sms、authcode、face", "method is not sms, authcode or face."),
    "MISSING_SIGNATURE_HEADERS": (
        "缺少或为空的 x-tif-* 请求头",
        "One of x-tif-paasid, x-tif-timestamp, x-tif-nonce, x-tif-signature is missing or empty.",
    ),
    "MODE1_DAILY_CAP_REACHED": (
        "本院今日模式一授权已达上限",
        "The hospital has relayed its most mode-1 consents for today.",
    ),
    "MODE1_HELD_FOR_REVIEW": (
        '超过上限，已保存待市平台审核，未提交省平台（returnCode 为 "0"）',
        "Past the hospital's daily mode-1 consents: held for the city's review, not yet granted nor relayed (a returnCode \"0\" answer with status 202).",
    ),
    "NOT_FOUND": (
        "路径不存在",
        "The URL does not resolve, or a path parameter is refused by the route (Http404, DRF NotFound).",
    ),
    "NO_CODE_CHANNEL": (
        "患者没有任何能看到授权码的渠道（无本人预留手机号、无推送渠道）",
        "The patient cannot read an authorization code (no phone of record, no push channel).",
    ),
    "NO_CONSENT": (
        "本院没有该患者的授权（即使别的医院有，平台也不会透露）",
        "The hospital holds no authorization from this patient.",
    ),
    "NO_PROVINCE_ACCOUNT": (
        "市平台未配置省平台账号",
        "The city platform has no province account configured, so the hub cannot call the province for this hospital.",
    ),
    "ORG_CODE_MISMATCH": ("param 里的 orgCode 不是本院", "orgCode is not the calling hospital's."),
    "PARAM_DUPLICATE_KEY": ("param 中某个键出现两次", "The view param holds a field twice."),
    "PARAM_EMPTY_VALUE": (
        "orgCode、staffNo、cardType、idcard、callSysCode 之一为空",
        "A field of the view param is empty.",
    ),
    "PARAM_MALFORMED": (
        "调阅 param 不是 key=value&… 格式（或百分号编码有误）",
        "The view param is not key=value pairs joined by &.",
    ),
    "PARAM_MISSING_KEY": ("param 缺少某个键", "The view param lacks a field."),
    "PARAM_UNKNOWN_KEY": ("param 中有未知的键", "The view param holds an unknown field."),
    "PATIENT_BLOCKED": (
        "该患者今日核验失败过多，已暂停新申请和核验",
        "Too many failed verifications for this patient today (Retry-After).",
    ),
    "PATIENT_REQUESTS_LIMIT": (
        "该患者同时待核验的申请已达上限（跨医院）",
        "The patient already has too many open verification requests.",
    ),
    "PAYLOAD_TOO_LARGE": (
        "请求体太大",
        "The request body is larger than Django accepts (RequestDataTooBig).",
    ),
    "PHONE_BLOCKED": (
        "验证码要发往的手机号已被市平台封禁（曾收到过多名不同患者的验证码）",
        "The phone the code would go to is blocked by the city (it received codes for too many different patients); use face verification or contact the city.",
    ),
    "PHONE_INVALID": (
        "手机号不是大陆 11 位手机号",
        "The phone number is not an 11-digit mainland mobile number (or the SMS provider called it invalid).",
    ),
    "PHONE_NOT_ON_RECORD": (
        "患者没有本人预留手机号，无法发短信验证码，未发送",
        "The patient has no phone of record, so no SMS code can be sent.",
    ),
    "PHONE_REQUIRED": (
        "需要 phone 而没有传（患者无本人预留手机号且本市允许发到医院号码时）",
        "method sms needs phone (no phone of record, unrecorded phones allowed).",
    ),
    "PHOTOS_REQUIRED": (
        "人脸方式核验时缺 idPhoto 或 livePhoto",
        "Verifying a face request without idPhoto and livePhoto.",
    ),
    "PROVINCE_REFUSED": (
        "（兼容接口）省平台网关拒绝了市平台的调用",
        "The province refused the hub's call (its reason in the message).",
    ),
    "PROVINCE_TIMEOUT": (
        "（兼容接口）省平台超时；授权已保存，平台自动重试",
        "The province did not answer in time; the hub keeps it and retries.",
    ),
    "PROVINCE_UNAVAILABLE": (
        "（兼容接口）省平台无应答；授权已保存，平台自动重试",
        "The province did not answer; the hub keeps the authorization and retries.",
    ),
    "RECORD_DATE_INVALID": (
        "recordDate 不是 YYYY-MM-DD 或不是有效日期",
        "recordDate is not a real YYYY-MM-DD date.",
    ),
    "RECORD_DATE_IN_FUTURE": ("recordDate 晚于今天", "recordDate is in the future."),
    "REPLAYED_NONCE": ("nonce 已用过", "This x-tif-nonce was already used."),
    "RESEND_NOT_APPLICABLE": (
        "只有 sms、authcode 可以重发",
        "Only sms and authcode requests have a code to resend.",
    ),
    "SM4_BAD_CIPHERTEXT": (
        "密文不是十六进制或长度不是 16 字节的整数倍",
        "An SM4 field is not hexadecimal, or not whole 16-byte blocks (32 hex digits each).",
    ),
    "SM4_DECRYPT_FAILED": (
        "解密失败（几乎总是密钥不对）",
        "An SM4 field fails the PKCS#7 padding or UTF-8 check once decrypted: almost always encrypted under another key.",
    ),
    "SMS_COOLDOWN": (
        "短信发送过于频繁（60 秒）",
        "A new SMS code can be sent only after the cooldown (60 s, Retry-After).",
    ),
    "SMS_PHONE_DAILY_LIMIT": (
        "该号码 24 小时内收到的验证码已达上限",
        "This phone has received too many codes in the last 24 hours (Retry-After).",
    ),
    "SMS_PHONE_HOURLY_LIMIT": (
        "该号码 1 小时内收到的验证码已达上限",
        "This phone has received too many codes in the last hour (Retry-After).",
    ),
    "SMS_PROVIDER_FAILED": (
        "短信发送失败（临时故障或服务商拒绝，见 returnDesc）",
        "The SMS provider refused the message or could not be reached (transient tells whether retrying may help).",
    ),
    "SMS_PROVIDER_RATE_LIMITED": (
        "短信服务商限流",
        "The SMS provider is limiting messages (Retry-After).",
    ),
    "STALE_TIMESTAMP": (
        "与平台时钟相差超过 180 秒",
        "x-tif-timestamp is more than XTIF_MAX_SKEW_SECONDS (180 s) from the hub's clock.",
    ),
    "STATUS_INVALID": (
        '兼容接口 status 不是 "1" 或 "0"',
        'status is not "1" (grant) or "0" (revoke).',
    ),
    "THROTTLED": (
        "超过本院调用频率",
        "Too many requests from this hospital; retry after Retry-After seconds.",
    ),
    "TRANSITION_NOT_ALLOWED": (
        "当前状态不允许此操作（应答附当前 state）",
        "The complaint's state does not allow this move (complaints.lifecycle).",
    ),
    "UNKNOWN_PAASID": (
        "没有这个 paasid",
        "No hospital credential (nor feed credential) has this x-tif-paasid.",
    ),
    "UNSUPPORTED_MEDIA_TYPE": ("不是 application/json", "The body is not application/json."),
}
