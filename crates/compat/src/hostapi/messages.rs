//! What the hosting REST dialect says, in each language it speaks: the
//! seed's Turkish sentences, and English, Chinese and Russian.

use tessera_core::lang::Lang;

/// One sentence the dialect can answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// A ticket was opened.
    Created,
    /// A reply was added.
    Replied,
    /// A ticket was closed (its id).
    Closed(i64),
    /// No token, or a wrong one.
    AuthFailed,
    /// Too many attempts.
    TooMany,
    /// An agent's token (the dialect is for customers).
    CustomersOnly,
    /// A required parameter is missing (its name).
    Missing(&'static str),
    /// A parameter has the wrong form (its name).
    Invalid(&'static str),
    /// `service` is not `S<id>`.
    ServiceFormat,
    /// The caller has no such service.
    UnknownService,
    /// There is no such department (for the caller).
    UnknownDepartment,
    /// There is no such ticket (for the caller).
    UnknownTicket,
    /// The body is neither JSON nor a form.
    BadBody,
    /// The body is larger than the endpoint accepts.
    TooLarge,
    /// No such endpoint.
    NoEndpoint,
    /// The path's method is not this one.
    WrongMethod,
    /// Something broke on our side.
    Internal,
}

impl Msg {
    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Msg::Created, Lang::Tr) => "Destek talebi başarıyla oluşturuldu.".into(),
            (Msg::Created, Lang::En) => "Support ticket created successfully.".into(),
            (Msg::Created, Lang::Zh) => "工单已成功创建。".into(),
            (Msg::Created, Lang::Ru) => "Обращение успешно создано.".into(),
            (Msg::Replied, Lang::Tr) => "Ticket başarıyla cevaplandı.".into(),
            (Msg::Replied, Lang::En) => "Ticket replied successfully.".into(),
            (Msg::Replied, Lang::Zh) => "工单已成功回复。".into(),
            (Msg::Replied, Lang::Ru) => "Ответ на обращение успешно отправлен.".into(),
            (Msg::Closed(id), Lang::Tr) => format!("#{id} numaralı destek talebi başarıyla kapatılmıştır."),
            (Msg::Closed(id), Lang::En) => format!("Support ticket #{id} has been closed successfully."),
            (Msg::Closed(id), Lang::Zh) => format!("工单 #{id} 已成功关闭。"),
            (Msg::Closed(id), Lang::Ru) => format!("Обращение #{id} успешно закрыто."),
            (Msg::AuthFailed, Lang::Tr) => "Kimlik doğrulama başarısız.".into(),
            (Msg::AuthFailed, Lang::En) => "Authentication failed.".into(),
            (Msg::AuthFailed, Lang::Zh) => "身份验证失败。".into(),
            (Msg::AuthFailed, Lang::Ru) => "Ошибка аутентификации.".into(),
            (Msg::TooMany, Lang::Tr) => "Çok fazla deneme; daha sonra tekrar deneyin.".into(),
            (Msg::TooMany, Lang::En) => "Too many attempts; try again later.".into(),
            (Msg::TooMany, Lang::Zh) => "尝试次数过多，请稍后再试。".into(),
            (Msg::TooMany, Lang::Ru) => "Слишком много попыток; повторите позже.".into(),
            (Msg::CustomersOnly, Lang::Tr) => "Bu API yalnızca müşteri anahtarlarıyla kullanılabilir.".into(),
            (Msg::CustomersOnly, Lang::En) => "This API is for customers' tokens only.".into(),
            (Msg::CustomersOnly, Lang::Zh) => "此接口仅限客户令牌使用。".into(),
            (Msg::CustomersOnly, Lang::Ru) => "Этот API только для токенов клиентов.".into(),
            (Msg::Missing(p), Lang::Tr) => format!("{p} parametresi zorunludur."),
            (Msg::Missing(p), Lang::En) => format!("The {p} parameter is required."),
            (Msg::Missing(p), Lang::Zh) => format!("缺少必填参数 {p}。"),
            (Msg::Missing(p), Lang::Ru) => format!("Параметр {p} обязателен."),
            (Msg::Invalid(p), Lang::Tr) => format!("{p} parametresi geçersiz."),
            (Msg::Invalid(p), Lang::En) => format!("The {p} parameter is invalid."),
            (Msg::Invalid(p), Lang::Zh) => format!("参数 {p} 无效。"),
            (Msg::Invalid(p), Lang::Ru) => format!("Параметр {p} неверен."),
            (Msg::ServiceFormat, Lang::Tr) => "Servis idsi başında S ile yazılmalıdır (örneğin S952157).".into(),
            (Msg::ServiceFormat, Lang::En) => "The service id must be written with an S prefix (e.g. S952157).".into(),
            (Msg::ServiceFormat, Lang::Zh) => "服务 ID 必须以 S 开头（例如 S952157）。".into(),
            (Msg::ServiceFormat, Lang::Ru) => "Идентификатор услуги пишется с префиксом S (например, S952157).".into(),
            (Msg::UnknownService, Lang::Tr) => "Hizmet bulunamadı.".into(),
            (Msg::UnknownService, Lang::En) => "Service not found.".into(),
            (Msg::UnknownService, Lang::Zh) => "未找到该服务。".into(),
            (Msg::UnknownService, Lang::Ru) => "Услуга не найдена.".into(),
            (Msg::UnknownDepartment, Lang::Tr) => "Departman bulunamadı.".into(),
            (Msg::UnknownDepartment, Lang::En) => "Department not found.".into(),
            (Msg::UnknownDepartment, Lang::Zh) => "未找到该部门。".into(),
            (Msg::UnknownDepartment, Lang::Ru) => "Отдел не найден.".into(),
            (Msg::UnknownTicket, Lang::Tr) => "Destek talebi bulunamadı.".into(),
            (Msg::UnknownTicket, Lang::En) => "Ticket not found.".into(),
            (Msg::UnknownTicket, Lang::Zh) => "未找到该工单。".into(),
            (Msg::UnknownTicket, Lang::Ru) => "Обращение не найдено.".into(),
            (Msg::BadBody, Lang::Tr) => "İstek gövdesi geçerli bir JSON ya da form değil.".into(),
            (Msg::BadBody, Lang::En) => "The request body is neither valid JSON nor a form.".into(),
            (Msg::BadBody, Lang::Zh) => "请求体不是有效的 JSON 或表单。".into(),
            (Msg::BadBody, Lang::Ru) => "Тело запроса не является корректным JSON или формой.".into(),
            (Msg::TooLarge, Lang::Tr) => "İstek gövdesi çok büyük.".into(),
            (Msg::TooLarge, Lang::En) => "The request body is too large.".into(),
            (Msg::TooLarge, Lang::Zh) => "请求体过大。".into(),
            (Msg::TooLarge, Lang::Ru) => "Тело запроса слишком велико.".into(),
            (Msg::NoEndpoint, Lang::Tr) => "Böyle bir endpoint yok.".into(),
            (Msg::NoEndpoint, Lang::En) => "No such endpoint.".into(),
            (Msg::NoEndpoint, Lang::Zh) => "没有这个接口。".into(),
            (Msg::NoEndpoint, Lang::Ru) => "Нет такого метода API.".into(),
            (Msg::WrongMethod, Lang::Tr) => "Bu endpoint bu HTTP yöntemini desteklemiyor.".into(),
            (Msg::WrongMethod, Lang::En) => "This endpoint does not take this HTTP method.".into(),
            (Msg::WrongMethod, Lang::Zh) => "此接口不支持该 HTTP 方法。".into(),
            (Msg::WrongMethod, Lang::Ru) => "Этот метод API не принимает такой HTTP-метод.".into(),
            (Msg::Internal, Lang::Tr) => "Sunucu hatası; lütfen daha sonra tekrar deneyin.".into(),
            (Msg::Internal, Lang::En) => "Server error; please try again later.".into(),
            (Msg::Internal, Lang::Zh) => "服务器错误，请稍后再试。".into(),
            (Msg::Internal, Lang::Ru) => "Ошибка сервера; повторите позже.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_sentences_are_the_seeds() {
        assert_eq!(Msg::Created.text(Lang::Tr), "Destek talebi başarıyla oluşturuldu.");
        assert_eq!(Msg::Replied.text(Lang::Tr), "Ticket başarıyla cevaplandı.");
        assert_eq!(Msg::Closed(272298).text(Lang::Tr), "#272298 numaralı destek talebi başarıyla kapatılmıştır.");
    }

    #[test]
    fn every_language_says_something_different_from_english() {
        for l in [Lang::Tr, Lang::Zh, Lang::Ru] {
            assert_ne!(Msg::Created.text(l), Msg::Created.text(Lang::En));
            assert_ne!(Msg::UnknownTicket.text(l), Msg::UnknownTicket.text(Lang::En));
        }
    }
}
