//! Bangwo8's codes (`ticketStatus` 1–6, `ticketType` 1–4, `priorityLevel`
//! 1–4, `ticketSource`) and their labels in each language. The seed writes
//! labels ("新建"), Chinese by default.

use crate::common::{self, StatusRow};
use tessera_core::lang::Lang;
use tessera_core::{Priority, Source, Ticket, TicketType};

/// Picks the label of `lang` from a row written en, tr, zh, ru.
fn pick(lang: Lang, row: [&'static str; 4]) -> &'static str {
    match lang {
        Lang::En => row[0],
        Lang::Tr => row[1],
        Lang::Zh => row[2],
        Lang::Ru => row[3],
    }
}

/// `ticketStatus`: 1 新建, 2 已开启, 3 待回应, 4 已解决, 5 自动关闭, 6 手动关闭.
pub fn status_code(t: &Ticket) -> u8 {
    match common::ticket_row(t) {
        StatusRow::New => 1,
        StatusRow::Open | StatusRow::InProgress => 2,
        StatusRow::Answered | StatusRow::OnHold => 3,
        StatusRow::Solved => 4,
        StatusRow::Closed if common::closed_automatically(t) => 5,
        StatusRow::Closed => 6,
    }
}

/// The label of a `ticketStatus` code.
pub fn status_label(code: u8, lang: Lang) -> &'static str {
    let row = match code {
        1 => ["New", "Yeni", "新建", "Новый"],
        2 => ["Open", "Açık", "已开启", "Открыт"],
        3 => ["Pending", "Yanıt bekliyor", "待回应", "Ожидает ответа"],
        4 => ["Solved", "Çözüldü", "已解决", "Решён"],
        5 => ["Closed automatically", "Otomatik kapatıldı", "自动关闭", "Закрыт автоматически"],
        _ => ["Closed manually", "Elle kapatıldı", "手动关闭", "Закрыт вручную"],
    };
    pick(lang, row)
}

/// `ticketType`: 1 question 问题, 2 task 事务, 3 incident 故障, 4 problem 任务
/// (the spec's order).
pub fn type_code(t: TicketType) -> u8 {
    match t {
        TicketType::Question => 1,
        TicketType::Task => 2,
        TicketType::Incident => 3,
        TicketType::Problem => 4,
    }
}

/// The label of a type, `""` when the ticket has none.
pub fn type_label(t: Option<TicketType>, lang: Lang) -> &'static str {
    match t.map(type_code) {
        None => "",
        Some(1) => pick(lang, ["Question", "Soru", "问题", "Вопрос"]),
        Some(2) => pick(lang, ["Task", "Görev", "事务", "Задача"]),
        Some(3) => pick(lang, ["Incident", "Arıza", "故障", "Инцидент"]),
        Some(_) => pick(lang, ["Problem", "Sorun", "任务", "Проблема"]),
    }
}

/// The label of a priority (`priorityLevel` 1 低, 2 正常, 3 高, 4 紧急).
pub fn priority_label(p: Priority, lang: Lang) -> &'static str {
    match common::priority_number(p) {
        1 => pick(lang, ["Low", "Düşük", "低", "Низкий"]),
        2 => pick(lang, ["Normal", "Normal", "正常", "Обычный"]),
        3 => pick(lang, ["High", "Yüksek", "高", "Высокий"]),
        _ => pick(lang, ["Urgent", "Acil", "紧急", "Срочный"]),
    }
}

/// The label of a source. Bangwo8's list (1 远程, 2 聊天, 3 呼叫中心,
/// 4 留言, 5 系统创建, 7 API, 8 工单模板发布, 9 邮件接入) has no web
/// console; the seed's own example writes 工单工作台 (the ticket
/// workbench) for it, and so does Tessera for web tickets.
pub fn source_label(s: Source, lang: Lang) -> &'static str {
    match s {
        Source::Web => pick(lang, ["Web", "Web", "工单工作台", "Веб"]),
        Source::Email => pick(lang, ["Email", "E-posta", "邮件接入", "Эл. почта"]),
        Source::Api => "API",
        Source::Phone => pick(lang, ["Call center", "Çağrı merkezi", "呼叫中心", "Колл-центр"]),
        Source::Chat => pick(lang, ["Chat", "Sohbet", "聊天", "Чат"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_labels_are_the_seeds() {
        let zh: Vec<&str> = (1..=6).map(|c| status_label(c, Lang::Zh)).collect();
        assert_eq!(zh, ["新建", "已开启", "待回应", "已解决", "自动关闭", "手动关闭"]);
        let types: Vec<&str> = [TicketType::Question, TicketType::Task, TicketType::Incident, TicketType::Problem]
            .into_iter()
            .map(|t| type_label(Some(t), Lang::Zh))
            .collect();
        assert_eq!(types, ["问题", "事务", "故障", "任务"]);
        let prios: Vec<&str> = Priority::ALL.into_iter().map(|p| priority_label(p, Lang::Zh)).collect();
        assert_eq!(prios, ["低", "正常", "高", "紧急"]);
        assert_eq!(type_label(None, Lang::Zh), "");
    }

    #[test]
    fn every_code_has_a_label_in_every_language() {
        for lang in Lang::ALL {
            for c in 1..=6 {
                assert!(!status_label(c, lang).is_empty());
            }
            for s in Source::ALL {
                assert!(!source_label(s, lang).is_empty());
            }
        }
    }
}
